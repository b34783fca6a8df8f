"""letters home and the family page: a code per student's letter, the family's answer, each programme's
wording of the letter; the roster may keep a student's home language

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "family_code",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id", ondelete="CASCADE"), nullable=False),
        sa.Column("drive_id", sa.Integer(), sa.ForeignKey("card_drive.id", ondelete="CASCADE"), nullable=False),
        sa.Column("student_id", sa.Integer(), sa.ForeignKey("student.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seed", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("printed_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answer_language", sa.String(length=10), nullable=False, server_default=""),
        sa.UniqueConstraint("digest", name="uq_family_code_digest"),
    )
    for column in ("agreement_id", "drive_id", "student_id"):
        op.create_index(f"ix_family_code_{column}", "family_code", [column])
    op.create_table(
        "family_letter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id", ondelete="CASCADE"), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("agreement_id", "language", name="uq_family_letter_agreement_language"),
    )
    op.create_index("ix_family_letter_agreement_id", "family_letter", ["agreement_id"])
    with op.batch_alter_table("student") as batch:
        batch.add_column(sa.Column("home_language", sa.String(length=35), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("student") as batch:
        batch.drop_column("home_language")
    op.drop_table("family_letter")
    op.drop_table("family_code")
