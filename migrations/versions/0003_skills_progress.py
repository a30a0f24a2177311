"""skills framework, cohort skills, assessments, learning log

Revision ID: 0003_skills_progress
Revises: 0002_schedule_attendance
Create Date: 2026-11-23 12:33:10

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_skills_progress'
down_revision = '0002_schedule_attendance'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('category', sa.String(length=80), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('level_0', sa.Text(), nullable=True),
    sa.Column('level_1', sa.Text(), nullable=True),
    sa.Column('level_2', sa.Text(), nullable=True),
    sa.Column('level_3', sa.Text(), nullable=True),
    sa.Column('level_4', sa.Text(), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category <> ''", name=op.f('ck_skills_category_not_empty')),
    sa.CheckConstraint("name <> ''", name=op.f('ck_skills_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skills')),
    sa.UniqueConstraint('name', name=op.f('uq_skills_name'))
    )
    op.create_table('cohort_skills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('target_level', sa.Integer(), nullable=False),
    sa.CheckConstraint('target_level BETWEEN 1 AND 4', name=op.f('ck_cohort_skills_target_level_range')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_cohort_skills_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_cohort_skills_skill_id_skills'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cohort_skills')),
    sa.UniqueConstraint('cohort_id', 'skill_id', name='uq_cohort_skills_cohort_skill')
    )
    with op.batch_alter_table('cohort_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cohort_skills_skill_id'), ['skill_id'], unique=False)

    op.create_table('assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.Column('checkpoint', sa.Enum('baseline', 'midpoint', 'final', name='assessment_checkpoint', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('source', sa.Enum('self', 'facilitator', name='assessment_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('evidence_link', sa.String(length=500), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('assessed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('level BETWEEN 0 AND 4', name=op.f('ck_assessments_level_range')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_assessments_assessed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_assessments_enrolment_id_enrolments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_assessments_skill_id_skills'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessments')),
    sa.UniqueConstraint('enrolment_id', 'skill_id', 'checkpoint', 'source', name='uq_assessments_enrolment_skill_checkpoint')
    )
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.create_index('ix_assessments_skill_id', ['skill_id'], unique=False)

    op.create_table('learning_log_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('entry_date', sa.Date(), nullable=False),
    sa.Column('activity', sa.String(length=200), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('reflection', sa.Text(), nullable=True),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("activity <> ''", name=op.f('ck_learning_log_entries_activity_not_empty')),
    sa.CheckConstraint('hours > 0 AND hours <= 24', name=op.f('ck_learning_log_entries_hours_range')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_learning_log_entries_enrolment_id_enrolments'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_log_entries'))
    )
    with op.batch_alter_table('learning_log_entries', schema=None) as batch_op:
        batch_op.create_index('ix_learning_log_entries_enrolment_date', ['enrolment_id', 'entry_date'], unique=False)

    op.create_table('learning_log_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("body <> ''", name=op.f('ck_learning_log_comments_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_learning_log_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['learning_log_entries.id'], name=op.f('fk_learning_log_comments_entry_id_learning_log_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_learning_log_comments'))
    )
    with op.batch_alter_table('learning_log_comments', schema=None) as batch_op:
        batch_op.create_index('ix_learning_log_comments_entry_id', ['entry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('learning_log_comments', schema=None) as batch_op:
        batch_op.drop_index('ix_learning_log_comments_entry_id')

    op.drop_table('learning_log_comments')
    with op.batch_alter_table('learning_log_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_learning_log_entries_enrolment_date')

    op.drop_table('learning_log_entries')
    with op.batch_alter_table('assessments', schema=None) as batch_op:
        batch_op.drop_index('ix_assessments_skill_id')

    op.drop_table('assessments')
    with op.batch_alter_table('cohort_skills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cohort_skills_skill_id'))

    op.drop_table('cohort_skills')
    op.drop_table('skills')
