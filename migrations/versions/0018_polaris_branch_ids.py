"""card programmes keep each branch's Polaris organization id, a whole number, apart from the ILS branch codes

Polaris Leap's PatronBranchID is the branch's organization id; it used to be read from the branch-code field
(the programme's, or the home branch's ILS branch code), which Koha and Evergreen need for their own codes. A
Polaris programme saved before this gives its branches their ids once on the card programme page.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("card_programme") as batch:
        batch.add_column(sa.Column("polaris_branch_ids", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("card_programme") as batch:
        batch.drop_column("polaris_branch_ids")
