"""The schema comes only from the migrations: after `upgrade`, the models and the database agree."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tracker import managed_by_models
from tracker.extensions import db

pytestmark = pytest.mark.committed  # Alembic inspects the schema on a connection of its own


def test_models_match_the_migrated_schema(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": managed_by_models})
        differences = compare_metadata(context, db.Model.metadata)
    assert differences == [], f"models and migrations differ; run `flask db migrate`: {differences}"


def test_search_indexes_on_postgresql(app, is_postgres):
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("agreement")}
    assert ("ix_agreement_title_trgm" in indexes) == is_postgres
    assert ("ix_agreement_title_prefix" in indexes) == is_postgres  # for terms of one or two characters
