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


def test_the_polaris_branch_ids_migration_downgrades_and_upgrades(app):
    """0018 (each branch's Polaris organization id on the card programme) goes back and forth on either database."""
    from flask_migrate import downgrade, upgrade

    def columns():
        return {c["name"] for c in inspect(db.engine).get_columns("card_programme")}

    with app.app_context():
        db.session.remove()
        assert "polaris_branch_ids" in columns()
        downgrade(revision="0017")
        assert "polaris_branch_ids" not in columns() and "branch_code" in columns()
        upgrade()
        assert "polaris_branch_ids" in columns()


def test_the_student_fillfactor_migration_downgrades_and_upgrades(app, is_postgres):
    """0019 leaves most of each student page free on PostgreSQL (so marking students exported is a heap-only
    update) and changes nothing on SQLite; it goes back and forth on either database."""
    from flask_migrate import downgrade, upgrade

    def options():
        return inspect(db.engine).get_table_options("student").get("postgresql_with")

    with app.app_context():
        db.session.remove()
        kept = {"fillfactor": "45"} if is_postgres else None
        assert options() == kept
        downgrade(revision="0018")
        assert options() is None
        upgrade()
        assert options() == kept
