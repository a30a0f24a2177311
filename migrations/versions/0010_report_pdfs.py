"""report_pdfs: department and cohort report PDFs built by a job and kept until the figures change

docs/messages.md, Report PDFs.

Revision ID: 0010_report_pdfs
Revises: 0009_at_risk_emails
Create Date: 2026-11-27 21:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_report_pdfs'
down_revision = '0009_at_risk_emails'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_pdfs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=40), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.Enum('building', 'ready', 'failed', name='report_pdf_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('build_seconds', sa.Float(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_pdfs')),
    sa.UniqueConstraint('kind', 'subject', 'fingerprint', name=op.f('uq_report_pdfs_kind_subject_fingerprint'))
    )


def downgrade():
    op.drop_table('report_pdfs')
