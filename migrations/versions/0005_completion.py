"""completion outcomes, overrides and finishing cohorts

Revision ID: 0005_completion
Revises: 0004_hackathons
Create Date: 2026-11-23 13:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_completion'
down_revision = '0004_hackathons'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outcome_overrides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('completed', 'not_completed', name='override_outcome', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_outcome_overrides_reason_not_empty')),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_outcome_overrides_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_outcome_overrides_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_overrides')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_outcome_overrides_enrolment_id'))
    )
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome_recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('outcome_reasons', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('enrolments', schema=None) as batch_op:
        batch_op.drop_column('outcome_reasons')
        batch_op.drop_column('outcome_recorded_at')

    op.drop_table('outcome_overrides')
