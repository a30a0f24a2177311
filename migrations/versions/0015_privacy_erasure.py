"""privacy_erasure: erasure (tombstones) (docs/personal-data.md)

Revision ID: 0015_privacy_erasure
Revises: 0014_privacy_export
Create Date: 2026-11-28 09:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015_privacy_erasure'
down_revision = '0014_privacy_export'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
