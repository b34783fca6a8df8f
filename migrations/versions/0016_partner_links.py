"""partners keep their details current: emailed partner links, proposed changes and their items; sign-up domains

Revision ID: 0016
Revises: 0015

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'partner_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('contact_name', sa.String(length=200), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('reminder', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_partner_link_organisation_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_partner_link_contact_id_contact'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_partner_link_sent_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_partner_link_token_hash')),
    )
    with op.batch_alter_table('partner_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_partner_link_organisation_id'), ['organisation_id'], unique=False)
    op.create_table(
        'proposed_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=True),
        sa.Column('proposed_by', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_proposed_change_organisation_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['link_id'], ['partner_link.id'], name=op.f('fk_proposed_change_link_id_partner_link'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposed_change')),
    )
    with op.batch_alter_table('proposed_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposed_change_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposed_change_decided_at'), ['decided_at'], unique=False)
    op.create_table(
        'proposed_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=20), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('contact_name', sa.String(length=200), nullable=False),
        sa.Column('field', sa.String(length=40), nullable=False),
        sa.Column('before', sa.String(length=400), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('accepted', sa.Boolean(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['proposed_change.id'], name=op.f('fk_proposed_item_proposal_id_proposed_change'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_proposed_item_contact_id_contact'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_proposed_item_decided_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_proposed_item')),
    )
    with op.batch_alter_table('proposed_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposed_item_proposal_id'), ['proposal_id'], unique=False)
    op.create_table(
        'signup_domain',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=True),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_signup_domain_added_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signup_domain')),
        sa.UniqueConstraint('domain', name=op.f('uq_signup_domain_domain')),
    )


def downgrade():
    op.drop_table('signup_domain')
    with op.batch_alter_table('proposed_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposed_item_proposal_id'))
    op.drop_table('proposed_item')
    with op.batch_alter_table('proposed_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposed_change_decided_at'))
        batch_op.drop_index(batch_op.f('ix_proposed_change_organisation_id'))
    op.drop_table('proposed_change')
    with op.batch_alter_table('partner_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_partner_link_organisation_id'))
    op.drop_table('partner_link')
