"""api_tokens: personal access tokens for the JSON API (docs/api.md)

Revision ID: 0012_api_tokens
Revises: 0011_sign_in
Create Date: 2026-11-28 04:00:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0012_api_tokens'
down_revision = '0011_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
