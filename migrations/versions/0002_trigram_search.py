"""trigram indexes for searching titles and names on PostgreSQL

Searching with ILIKE '%term%' cannot use a b-tree index; pg_trgm's GIN indexes can, which keeps
the agreements and organisations search fast at statewide size. SQLite gets nothing.

Revision ID: 0002
Revises: 0001
"""
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_agreement_title_trgm": ("agreement", "title"),
    "ix_organisation_name_trgm": ("organisation", "name"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
