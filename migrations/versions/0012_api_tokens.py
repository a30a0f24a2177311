"""api_tokens: personal access tokens for the JSON API (docs/api.md)

Revision ID: 0012_api_tokens
Revises: 0011_sign_in
Create Date: 2026-11-28 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012_api_tokens'
down_revision = '0011_sign_in'
branch_labels = None
depends_on = None


def upgrade():
    # Only the SHA-256 digest of a token is kept; the token itself is shown once.
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=24), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('role', sa.Enum('admin', 'facilitator', 'participant', 'sponsor', name='api_token_role', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_why', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_api_tokens_token_digest'))
    )
    op.create_index('ix_api_tokens_user_id_created_at', 'api_tokens', ['user_id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_api_tokens_user_id_created_at', table_name='api_tokens')
    op.drop_table('api_tokens')
