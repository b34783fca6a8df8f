"""partnership: resources, milestones, communications, survey, calendar feeds, reminders

Revision ID: 0006
Revises: 0005

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=120), nullable=False),
    sa.Column('threshold', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_sent_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_sent')),
    sa.UniqueConstraint('user_id', 'item', 'threshold', name='uq_reminder_sent_user_item_threshold')
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_user_id'), ['user_id'], unique=False)

    op.create_table('reminder_setting',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reminder_setting_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_reminder_setting'))
    )
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_calendar_feed_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_feed_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feed_token'))
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_user_id'), ['user_id'], unique=False)

    op.create_table('communication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('attendees', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_communication_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_communication_created_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communication'))
    )
    with op.batch_alter_table('communication', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_communication_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('resource_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=50), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=False),
    sa.Column('value_cents', sa.BigInteger(), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_resource_share_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['organisation.id'], name=op.f('fk_resource_share_provider_id_organisation')),
    sa.ForeignKeyConstraint(['recipient_id'], ['organisation.id'], name=op.f('fk_resource_share_recipient_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_share'))
    )
    with op.batch_alter_table('resource_share', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_share_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_share_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_share_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_survey_round_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round'))
    )
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_round_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('owner_contact_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('done_date', sa.Date(), nullable=True),
    sa.Column('template_key', sa.String(length=60), nullable=True),
    sa.Column('communication_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_milestone_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['communication_id'], ['communication.id'], name=op.f('fk_milestone_communication_id_communication'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_contact_id'], ['contact.id'], name=op.f('fk_milestone_owner_contact_id_contact'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_user_id'], ['user.id'], name=op.f('fk_milestone_owner_user_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['party_id'], ['organisation.id'], name=op.f('fk_milestone_party_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone')),
    sa.UniqueConstraint('agreement_id', 'template_key', name='uq_milestone_agreement_template_key')
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_milestone_status'), ['status'], unique=False)

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=30), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_survey_answer_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_survey_answer_round_id_survey_round'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_survey_answer_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answer')),
    sa.UniqueConstraint('round_id', 'user_id', 'item', name='uq_survey_answer_round_user_item')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answer_round_id'), ['round_id'], unique=False)


def downgrade():
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answer_round_id'))

    op.drop_table('survey_answer')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_status'))
        batch_op.drop_index(batch_op.f('ix_milestone_due_date'))
        batch_op.drop_index(batch_op.f('ix_milestone_agreement_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('survey_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_round_agreement_id'))

    op.drop_table('survey_round')
    with op.batch_alter_table('resource_share', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_share_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_resource_share_provider_id'))
        batch_op.drop_index(batch_op.f('ix_resource_share_agreement_id'))

    op.drop_table('resource_share')
    with op.batch_alter_table('communication', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communication_agreement_id'))

    op.drop_table('communication')
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_user_id'))

    op.drop_table('calendar_feed')
    op.drop_table('reminder_setting')
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_user_id'))

    op.drop_table('reminder_sent')
