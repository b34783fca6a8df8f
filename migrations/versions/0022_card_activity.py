"""card use: ILS activity reports kept as dated snapshots (figures per school and grade as JSON), the card rows
they held (card number, dates, counts) and each agreement's plain-CSV column mapping

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activity_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id", ondelete="CASCADE"), nullable=False),
        sa.Column("drive_id", sa.Integer(), sa.ForeignKey("card_drive.id", ondelete="CASCADE"), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("source_kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_matched", sa.Integer(), nullable=False),
        sa.Column("unknown_count", sa.Integer(), nullable=False),
        sa.Column("refused_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("staged", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("user.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=True),
    )
    for column in ("agreement_id", "drive_id"):
        op.create_index(f"ix_activity_report_{column}", "activity_report", [column])
    op.create_table(
        "card_activity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("report_id", sa.Integer(), sa.ForeignKey("activity_report.id", ondelete="CASCADE"), nullable=False),
        sa.Column("barcode", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("last_activity_on", sa.Date(), nullable=True),
        sa.Column("checkouts", sa.Integer(), nullable=True),
    )
    op.create_index("ix_card_activity_report_id", "card_activity", ["report_id"])
    op.create_table(
        "activity_mapping",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id", ondelete="CASCADE"), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.UniqueConstraint("agreement_id", name="uq_activity_mapping_agreement_id"),
    )


def downgrade():
    op.drop_table("activity_mapping")
    op.drop_table("card_activity")
    op.drop_table("activity_report")
