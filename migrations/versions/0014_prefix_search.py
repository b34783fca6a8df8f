"""prefix indexes for one- and two-character searches on PostgreSQL

A trigram index cannot look up a term shorter than three characters, so such terms match the start of
a title or a name (`tracker.agreements.service.matching`): `lower(column) LIKE 'ab%'`, which a b-tree
index on the lower case with text_pattern_ops serves whatever the collation. SQLite gets nothing.

Revision ID: 0014
Revises: 0013
"""
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_agreement_title_prefix": ("agreement", "title"),
    "ix_organisation_name_prefix": ("organisation", "name"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (lower({column}) text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
