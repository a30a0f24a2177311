"""privacy_retention: retention runs (docs/personal-data.md §3)

Revision ID: 0016_privacy_retention
Revises: 0015_privacy_erasure
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_privacy_retention'
down_revision = '0015_privacy_erasure'
branch_labels = None
depends_on = None


def upgrade():
    # One row per run of the retention job or command, with its counts per rule.
    op.create_table('retention_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_by', sa.String(length=20), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_runs'))
    )
    op.create_index('ix_retention_runs_started_at', 'retention_runs', ['started_at'], unique=False)


def downgrade():
    op.drop_index('ix_retention_runs_started_at', table_name='retention_runs')
    op.drop_table('retention_runs')
