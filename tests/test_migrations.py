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


def test_the_sealed_name_migration_names_earlier_files_as_the_app_names_new_ones(app):
    """0023 names the PDFs sealed before it with their version's label in their language: the same label the
    app gives a file it seals now."""
    import importlib.util
    from pathlib import Path

    from flask_babel import force_locale

    from tracker.documents.models import version_label

    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0023_sealed_pdf_name.py"
    spec = importlib.util.spec_from_file_location("sealed_name_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.test_request_context():
        for language in ("en", "es"):
            with force_locale(language):
                assert [migration._label(n, language) for n in range(12)] == [version_label(n) for n in range(12)]
