"""documents: a version's time zone and language, fixed when it leaves draft; an organisation's language

Revision ID: 0011
Revises: 0010

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=False, server_default='en'))
    # Versions past draft before this revision read their library party's zone and language when printed.
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_column('language')
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('language')
