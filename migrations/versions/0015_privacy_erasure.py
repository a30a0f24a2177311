"""privacy_erasure: erasure (tombstones) (docs/personal-data.md §4)

Revision ID: 0015_privacy_erasure
Revises: 0014_privacy_export
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_privacy_erasure'
down_revision = '0014_privacy_export'
branch_labels = None
depends_on = None


def upgrade():
    # One row per erased person; its unique user_id makes two erasures sent at once end as one.
    op.create_table('erasures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('erased_by_id', sa.Integer(), nullable=True),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.CheckConstraint("reason <> ''", name=op.f('ck_erasures_reason_not_empty')),
    sa.ForeignKeyConstraint(['erased_by_id'], ['users.id'], name=op.f('fk_erasures_erased_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_erasures_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasures')),
    sa.UniqueConstraint('user_id', name=op.f('uq_erasures_user_id'))
    )


def downgrade():
    op.drop_table('erasures')
