"""indexes for who hears of which key dates: agreements by manager, milestones by owner

The daily reminders look up, for each user, the agreements they manage and the milestones they own
(tracker/calendar/reminders.py `_ids_for`): without these, each user cost a scan of both tables.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_agreement_manager_id", "agreement", ["manager_id"])
    op.create_index("ix_milestone_owner_user_id", "milestone", ["owner_user_id"])


def downgrade():
    op.drop_index("ix_milestone_owner_user_id", table_name="milestone")
    op.drop_index("ix_agreement_manager_id", table_name="agreement")
