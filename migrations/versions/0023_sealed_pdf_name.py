"""a sealed PDF keeps the name it is downloaded as, fixed with its bytes (no translation on each download)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

# The labels of versions sealed before this revision, in the languages the app then printed documents in.
ORDINALS = {
    "en": ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth"],
    "es": ["Primera", "Segunda", "Tercera", "Cuarta", "Quinta", "Sexta", "Séptima", "Octava", "Novena", "Décima"],
}


def _label(number: int, language: str) -> str:
    language = language if language in ORDINALS else "en"
    if number == 0:
        return "Original"
    ordinal = ORDINALS[language][number - 1] if number <= 10 else f"#{number}"
    return f"{ordinal} enmienda" if language == "es" else f"{ordinal} Amendment"


def upgrade():
    with op.batch_alter_table("document_version") as batch:
        batch.add_column(sa.Column("pdf_name", sa.String(length=400), nullable=True))
    bind = op.get_bind()
    sealed = bind.execute(sa.text(
        "SELECT v.id, v.number, v.public_id, v.language, d.title FROM document_version v "
        "JOIN document d ON d.id = v.document_id WHERE v.pdf_sha256 IS NOT NULL")).all()
    for version_id, number, public_id, language, title in sealed:
        name = f"{title} - {_label(number, language or 'en')} - {public_id}.pdf"
        bind.execute(sa.text("UPDATE document_version SET pdf_name = :name WHERE id = :id"),
                     {"name": name, "id": version_id})


def downgrade():
    with op.batch_alter_table("document_version") as batch:
        batch.drop_column("pdf_name")
