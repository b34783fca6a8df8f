"""each person reads the app in a language they choose (none chosen: their browser's); a job reports in the
language of the person who started it

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table("job") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("language")
