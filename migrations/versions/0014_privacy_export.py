"""privacy_export: subject access export requests (docs/personal-data.md)

Revision ID: 0014_privacy_export
Revises: 0013_every_page
Create Date: 2026-11-28 09:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014_privacy_export'
down_revision = '0013_every_page'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
