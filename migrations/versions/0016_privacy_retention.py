"""privacy_retention: retention runs (docs/personal-data.md)

Revision ID: 0016_privacy_retention
Revises: 0015_privacy_erasure
Create Date: 2026-11-28 09:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0016_privacy_retention'
down_revision = '0015_privacy_erasure'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
