"""cohorts.at_risk_emails: the weekly at-risk e-mails can be turned off for a cohort

docs/messages.md, At risk.

Revision ID: 0009_at_risk_emails
Revises: 0008_messages_jobs
Create Date: 2026-11-27 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009_at_risk_emails'
down_revision = '0008_messages_jobs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at_risk_emails', sa.Boolean(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('cohorts', schema=None) as batch_op:
        batch_op.drop_column('at_risk_emails')
