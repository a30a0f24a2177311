"""hackathons: challenges, teams, submissions, judging (issue 6)

Revision ID: 0004_hackathons
Revises: 0003_skills_progress
Create Date: 2026-11-23 13:25:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0004_hackathons'
down_revision = '0003_skills_progress'
branch_labels = None
depends_on = None


def upgrade():
    pass  # filled in with the models of this issue


def downgrade():
    pass
