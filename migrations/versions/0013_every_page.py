"""every_page: cohort lifecycle, register deadline, search (docs/rules.md)

Revision ID: 0013_every_page
Revises: 0012_api_tokens
Create Date: 2026-11-28 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0013_every_page'
down_revision = '0012_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
