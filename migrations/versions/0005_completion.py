"""completion outcomes, overrides and finishing cohorts (issue 7)

Revision ID: 0005_completion
Revises: 0004_hackathons
Create Date: 2026-11-23 13:25:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0005_completion'
down_revision = '0004_hackathons'
branch_labels = None
depends_on = None


def upgrade():
    pass  # filled in with the models of this issue


def downgrade():
    pass
