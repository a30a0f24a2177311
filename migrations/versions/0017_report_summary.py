"""report_summary: the version of the data behind programme-wide figures (docs/architecture.md §10)

Revision ID: 0017_report_summary
Revises: 0016_privacy_retention
Create Date: 2026-11-28 09:40:00

"""
import uuid

from alembic import op
import sqlalchemy as sa


revision = '0017_report_summary'
down_revision = '0016_privacy_retention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('stamp', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions'))
    )
    # The row every write changes; a new stamp, so no figure kept for another database matches.
    op.execute(sa.text("INSERT INTO report_versions (id, version, stamp) VALUES (1, 0, :stamp)")
               .bindparams(stamp=uuid.uuid4().hex))


def downgrade():
    op.drop_table('report_versions')
