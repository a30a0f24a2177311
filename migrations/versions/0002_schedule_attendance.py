"""sessions, attendance marks, catch-ups, check-in windows and attempts, calendar feeds

Revision ID: 0002_schedule_attendance
Revises: 304e191a312c
Create Date: 2026-11-23 11:54:39.025492

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_schedule_attendance'
down_revision = '304e191a312c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feeds_user_id'))
    )
    op.create_table('check_in_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_check_in_attempts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_attempts'))
    )
    with op.batch_alter_table('check_in_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_check_in_attempts_user_at', ['user_id', 'at'], unique=False)

    op.create_table('sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('workshop', 'hackathon', 'ethics', 'assessment', 'showcase', 'other', name='session_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('facilitator_id', sa.Integer(), nullable=True),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title <> ''", name=op.f('ck_sessions_title_not_empty')),
    sa.CheckConstraint('(cancelled_at IS NULL AND cancellation_reason IS NULL) OR (cancelled_at IS NOT NULL AND cancellation_reason IS NOT NULL)', name=op.f('ck_sessions_cancellation_recorded')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_sessions_ends_after_start')),
    sa.CheckConstraint('sequence >= 0', name=op.f('ck_sessions_sequence_not_negative')),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_sessions_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_sessions_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['facilitator_id'], ['users.id'], name=op.f('fk_sessions_facilitator_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sessions'))
    )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.create_index('ix_sessions_cohort_starts_at', ['cohort_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_sessions_facilitator_starts_at', ['facilitator_id', 'starts_at'], unique=False)

    op.create_table('attendance_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('mark', sa.Enum('present', 'late', 'excused', 'absent', name='attendance_mark', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('source', sa.Enum('register', 'check-in', name='attendance_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_attendance_marks_enrolment_id_enrolments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_attendance_marks_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_attendance_marks_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance_marks')),
    sa.UniqueConstraint('session_id', 'enrolment_id', name='uq_attendance_marks_session_enrolment')
    )
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.create_index('ix_attendance_marks_enrolment_id', ['enrolment_id'], unique=False)

    op.create_table('catch_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('what_was_done', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("what_was_done <> ''", name=op.f('ck_catch_ups_what_was_done_not_empty')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_catch_ups_enrolment_id_enrolments'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_catch_ups_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_catch_ups_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catch_ups')),
    sa.UniqueConstraint('session_id', 'enrolment_id', name='uq_catch_ups_session_enrolment')
    )
    with op.batch_alter_table('catch_ups', schema=None) as batch_op:
        batch_op.create_index('ix_catch_ups_enrolment_id', ['enrolment_id'], unique=False)

    op.create_table('check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late_after_minutes', sa.Integer(), nullable=False),
    sa.Column('closed_early', sa.Boolean(), nullable=False),
    sa.CheckConstraint("code <> ''", name=op.f('ck_check_ins_code_not_empty')),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_check_ins_closes_after_opening')),
    sa.CheckConstraint('late_after_minutes BETWEEN 0 AND 480', name=op.f('ck_check_ins_late_after_range')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['users.id'], name=op.f('fk_check_ins_opened_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_check_ins_session_id_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_ins')),
    sa.UniqueConstraint('code', name=op.f('uq_check_ins_code'))
    )
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.create_index('ix_check_ins_session_id', ['session_id'], unique=False)



def downgrade():
    with op.batch_alter_table('check_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_check_ins_session_id')

    op.drop_table('check_ins')
    with op.batch_alter_table('catch_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_catch_ups_enrolment_id')

    op.drop_table('catch_ups')
    with op.batch_alter_table('attendance_marks', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_marks_enrolment_id')

    op.drop_table('attendance_marks')
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_sessions_facilitator_starts_at')
        batch_op.drop_index('ix_sessions_cohort_starts_at')

    op.drop_table('sessions')
    with op.batch_alter_table('check_in_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_check_in_attempts_user_at')

    op.drop_table('check_in_attempts')
    op.drop_table('calendar_feeds')
