"""Card drives: card programmes, data-sharing specs, drives and counts, rosters, opt-outs, staged imports

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 21:57:52.236123

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('column_mapping',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_column_mapping_school_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_mapping')),
    sa.UniqueConstraint('school_id', name=op.f('uq_column_mapping_school_id'))
    )
    op.create_table('card_drive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('grades', sa.JSON(), nullable=False),
    sa.Column('target_percent', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_card_drive_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_drive'))
    )
    with op.batch_alter_table('card_drive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_drive_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_drive_status'), ['status'], unique=False)

    op.create_table('card_programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('card_model', sa.String(length=20), nullable=False),
    sa.Column('checkout_limit', sa.Integer(), nullable=True),
    sa.Column('hold_limit', sa.Integer(), nullable=True),
    sa.Column('fines_free', sa.Boolean(), nullable=False),
    sa.Column('lost_item_billing', sa.Boolean(), nullable=False),
    sa.Column('interlibrary_loan', sa.Boolean(), nullable=False),
    sa.Column('card_form', sa.String(length=20), nullable=False),
    sa.Column('consent_model', sa.String(length=30), nullable=False),
    sa.Column('barcode_prefix', sa.String(length=20), nullable=False),
    sa.Column('barcode_source', sa.String(length=20), nullable=False),
    sa.Column('pin_rule', sa.String(length=20), nullable=False),
    sa.Column('expiry_month', sa.Integer(), nullable=False),
    sa.Column('expiry_day', sa.Integer(), nullable=False),
    sa.Column('ils', sa.String(length=20), nullable=False),
    sa.Column('patron_category', sa.String(length=30), nullable=False),
    sa.Column('branch_code', sa.String(length=30), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_card_programme_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_programme')),
    sa.UniqueConstraint('agreement_id', name=op.f('uq_card_programme_agreement_id'))
    )
    op.create_table('data_sharing_spec',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('allowed_fields', sa.JSON(), nullable=False),
    sa.Column('legal_basis', sa.String(length=30), nullable=False),
    sa.Column('transfer_method', sa.String(length=30), nullable=False),
    sa.Column('transfer_frequency', sa.String(length=30), nullable=False),
    sa.Column('subprocessors', sa.Text(), nullable=False),
    sa.Column('retention_days_after_end', sa.Integer(), nullable=True),
    sa.Column('destroy_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_data_sharing_spec_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_sharing_spec')),
    sa.UniqueConstraint('agreement_id', name=op.f('uq_data_sharing_spec_agreement_id'))
    )
    op.create_table('opt_out',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('opted_out_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_opt_out_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_opt_out_recorded_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_out')),
    sa.UniqueConstraint('agreement_id', 'source_id', name='uq_opt_out_agreement_source')
    )
    with op.batch_alter_table('opt_out', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opt_out_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('roster_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=True),
    sa.Column('upload', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('parsed', sa.Text(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('committed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_roster_import_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_roster_import_created_by_id_user')),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_roster_import_job_id_job'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_roster_import_school_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roster_import'))
    )
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roster_import_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('student',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('given_name', sa.String(length=100), nullable=False),
    sa.Column('middle_name', sa.String(length=100), nullable=False),
    sa.Column('family_name', sa.String(length=100), nullable=False),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('card_status', sa.String(length=20), nullable=False),
    sa.Column('exported_at', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_student_agreement_id_agreement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_student_school_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student')),
    sa.UniqueConstraint('agreement_id', 'source_id', name='uq_student_agreement_source')
    )
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_agreement_id'), ['agreement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_grade'), ['grade'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_school_id'), ['school_id'], unique=False)

    op.create_table('drive_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('drive_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('grade', sa.String(length=4), nullable=False),
    sa.Column('enrolment', sa.Integer(), nullable=False),
    sa.Column('target_percent', sa.Integer(), nullable=True),
    sa.Column('classrooms', sa.Integer(), nullable=False),
    sa.Column('issued', sa.Integer(), nullable=False),
    sa.Column('already_had', sa.Integer(), nullable=False),
    sa.Column('cannot_issue', sa.Integer(), nullable=False),
    sa.Column('cannot_issue_reason', sa.String(length=300), nullable=False),
    sa.Column('opted_out', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drive_id'], ['card_drive.id'], name=op.f('fk_drive_count_drive_id_card_drive'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_drive_count_school_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drive_count')),
    sa.UniqueConstraint('drive_id', 'school_id', 'grade', name='uq_drive_count_school_grade')
    )
    with op.batch_alter_table('drive_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drive_count_drive_id'), ['drive_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_drive_count_school_id'), ['school_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drive_count', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drive_count_school_id'))
        batch_op.drop_index(batch_op.f('ix_drive_count_drive_id'))

    op.drop_table('drive_count')
    with op.batch_alter_table('student', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_school_id'))
        batch_op.drop_index(batch_op.f('ix_student_grade'))
        batch_op.drop_index(batch_op.f('ix_student_agreement_id'))

    op.drop_table('student')
    with op.batch_alter_table('roster_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roster_import_agreement_id'))

    op.drop_table('roster_import')
    with op.batch_alter_table('opt_out', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opt_out_agreement_id'))

    op.drop_table('opt_out')
    op.drop_table('data_sharing_spec')
    op.drop_table('card_programme')
    with op.batch_alter_table('card_drive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_drive_status'))
        batch_op.drop_index(batch_op.f('ix_card_drive_agreement_id'))

    op.drop_table('card_drive')
    op.drop_table('column_mapping')
