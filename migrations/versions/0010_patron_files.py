"""card programme: Koha version and declared patron attributes, Polaris language id; roster imports can be undone; consents (opt-in)

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
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_consent_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_consent_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent')),
    sa.UniqueConstraint('agreement_id', 'source_id', name='uq_consent_agreement_source')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_agreement_id'), ['agreement_id'], unique=False)
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_agreement_id'))
    op.drop_table('consent')
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_column('undone_at')
        batch_op.drop_column('undo')
    with op.batch_alter_table('card_programme', schema=None) as batch_op:
        batch_op.drop_column('polaris_language_id')
        batch_op.drop_column('koha_attributes')
        batch_op.drop_column('koha_version')
