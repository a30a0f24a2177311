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
    # docs/personal-data.md §2: one row per request; in_progress is unique so one export per
    # requester and person is prepared at a time.
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('building', 'ready', 'downloaded', 'failed', 'expired', name='data_export_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('in_progress', sa.String(length=40), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('downloaded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_data_exports_requested_by_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['subject_id'], ['users.id'], name=op.f('fk_data_exports_subject_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    sa.UniqueConstraint('in_progress', name=op.f('uq_data_exports_in_progress'))
    )
    with op.batch_alter_table('data_exports') as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_requested_by_id'), ['requested_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_exports_subject_id'), ['subject_id'], unique=False)


def downgrade():
    op.drop_table('data_exports')
