"""documents: clause library, MOU documents, versions, approvals, signatories, signing links

Revision ID: 0004
Revises: 0003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('clause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('default_kinds', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clause'))
    )
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clause_category'), ['category'], unique=False)

    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('approvals_needed', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreement.id'], name=op.f('fk_document_agreement_id_agreement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_agreement_id'), ['agreement_id'], unique=False)

    op.create_table('document_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('signing_order', sa.String(length=20), nullable=False),
    sa.Column('terms', sa.JSON(), nullable=False),
    sa.Column('fixed_values', sa.JSON(), nullable=True),
    sa.Column('public_id', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('frozen_at', sa.DateTime(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('text_sha256', sa.String(length=64), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_version_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['document_version.id'], name=op.f('fk_document_version_parent_id_document_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_version')),
    sa.UniqueConstraint('document_id', 'number', name='uq_document_version_number'),
    sa.UniqueConstraint('public_id', name=op.f('uq_document_version_public_id'))
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_version_pdf_sha256'), ['pdf_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_version_status'), ['status'], unique=False)

    op.create_table('document_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('approver', sa.String(length=200), nullable=False),
    sa.Column('resolution', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user.id'], name=op.f('fk_document_approval_recorded_by_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_document_approval_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_approval')),
    sa.UniqueConstraint('version_id', 'kind', name='uq_document_approval_kind')
    )
    with op.batch_alter_table('document_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_approval_version_id'), ['version_id'], unique=False)

    op.create_table('signatory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('capacity', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('typed_name', sa.String(length=200), nullable=False),
    sa.Column('drawing', sa.Text(), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=400), nullable=False),
    sa.Column('decline_reason', sa.Text(), nullable=False),
    sa.Column('notified_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_signatory_user_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_signatory_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatory'))
    )
    with op.batch_alter_table('signatory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signatory_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_signatory_version_id'), ['version_id'], unique=False)

    op.create_table('version_clause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('clause_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['clause_id'], ['clause.id'], name=op.f('fk_version_clause_clause_id_clause'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['document_version.id'], name=op.f('fk_version_clause_version_id_document_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version_clause'))
    )
    with op.batch_alter_table('version_clause', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_clause_version_id'), ['version_id'], unique=False)

    op.create_table('signing_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signatory_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['signatory_id'], ['signatory.id'], name=op.f('fk_signing_link_signatory_id_signatory'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_signing_link_token_hash'))
    )
    with op.batch_alter_table('signing_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_link_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_signing_link_signatory_id'), ['signatory_id'], unique=False)



def downgrade():
    with op.batch_alter_table('signing_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signing_link_signatory_id'))
        batch_op.drop_index(batch_op.f('ix_signing_link_expires_at'))

    op.drop_table('signing_link')
    with op.batch_alter_table('version_clause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_clause_version_id'))

    op.drop_table('version_clause')
    with op.batch_alter_table('signatory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signatory_version_id'))
        batch_op.drop_index(batch_op.f('ix_signatory_user_id'))

    op.drop_table('signatory')
    with op.batch_alter_table('document_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_approval_version_id'))

    op.drop_table('document_approval')
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_version_status'))
        batch_op.drop_index(batch_op.f('ix_document_version_pdf_sha256'))
        batch_op.drop_index(batch_op.f('ix_document_version_document_id'))

    op.drop_table('document_version')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_agreement_id'))

    op.drop_table('document')
    with op.batch_alter_table('clause', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clause_category'))

    op.drop_table('clause')
