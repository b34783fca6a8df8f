"""students keep their class (homeroom, teacher or section), so a drive can record cards for a whole class

From a OneRoster zip's classes.csv and enrollments.csv, or a plain CSV's Homeroom / Teacher / Class / Section
column; kept only when the data-sharing spec allows it, like every student field.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("class_name", sa.String(100), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("student") as batch:
        batch.drop_column("class_name")
