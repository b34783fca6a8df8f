"""card programme: Koha version and declared patron attributes, Polaris language id; roster imports can be undone

Revision ID: 0010
Revises: 0009

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('card_programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('koha_version', sa.String(length=10), nullable=False, server_default='24.05'))
        batch_op.add_column(sa.Column('koha_attributes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('polaris_language_id', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_column('undone_at')
        batch_op.drop_column('undo')
    with op.batch_alter_table('card_programme', schema=None) as batch_op:
        batch_op.drop_column('polaris_language_id')
        batch_op.drop_column('koha_attributes')
        batch_op.drop_column('koha_version')
