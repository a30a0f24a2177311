"""What each role sees first after signing in (docs/rules.md §1.4)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from cohort.cohorts.queries import PLACE_HOLDING, cohort_rows
from cohort.extensions import db
from cohort.models import Cohort, CohortStatus, Department, Enrolment, EnrolmentStatus, User
from cohort.policy import visible_cohorts

TODAY_LIMIT = 20
REGISTERS_LIMIT = 20


def sessions_to_run(user: User) -> dict:
    """For staff: today's sessions in their cohorts, and ended sessions with no register yet
    (newest first). Two queries, whatever the number of participants or cohorts."""
    from datetime import datetime, time, timedelta

    from cohort.domain.times import LONDON, london_date
    from cohort.models import AttendanceMark, Session
    from cohort.models.base import utcnow

    now = utcnow()
    today = london_date(now)
    day_starts = datetime.combine(today, time(0), LONDON)
    day_ends = day_starts + timedelta(days=1)
    cohort_ids = (
        visible_cohorts(user).where(Cohort.status == CohortStatus.RUNNING).with_only_columns(Cohort.id)
    )
    base = (
        select(Session)
        .options(joinedload(Session.cohort), joinedload(Session.facilitator))
        .where(Session.cohort_id.in_(cohort_ids), Session.cancelled_at.is_(None))
    )
    today_sessions = db.session.scalars(
        base.where(Session.starts_at < day_ends, Session.ends_at > day_starts)
        .order_by(Session.starts_at)
        .limit(TODAY_LIMIT)
    ).all()
    unregistered = db.session.scalars(
        base.where(
            Session.ends_at <= now,
            ~select(AttendanceMark.id).where(AttendanceMark.session_id == Session.id).exists(),
        )
        .order_by(Session.ends_at.desc())
        .limit(REGISTERS_LIMIT)
    ).all()
    return {"today_sessions": today_sessions, "unregistered": unregistered, "now": now}


def admin(user: User):
    rows = cohort_rows(visible_cohorts(user))
    totals = {
        "cohorts": len(rows),
        "participants": db.session.scalar(
            select(func.count(func.distinct(Enrolment.user_id))).where(Enrolment.status.in_(PLACE_HOLDING))
        ),
        "departments": db.session.scalar(select(func.count(Department.id))),
        "users": db.session.scalar(select(func.count(User.id)).where(User.is_active_account.is_(True))),
    }
    from cohort.models.base import utcnow
    from cohort.reports.department_routes import overview_context  # programme overview, docs/rules.md §9.5

    return "main/dashboard_admin.html", {
        "rows": rows,
        "totals": totals,
        **sessions_to_run(user),
        **overview_context(utcnow()),
    }


def facilitator(user: User):
    return "main/dashboard_facilitator.html", {
        "rows": cohort_rows(visible_cohorts(user)),
        **sessions_to_run(user),
    }


def participant(user: User):
    """Each enrolment with, for an active one: the week, what is next, attendance and flags."""
    from cohort.attendance.queries import participant_detail
    from cohort.domain.times import week_of
    from cohort.models.base import utcnow

    now = utcnow()
    enrolments = db.session.scalars(
        select(Enrolment)
        .options(joinedload(Enrolment.cohort))
        .join(Cohort)
        .where(Enrolment.user_id == user.id)
        .order_by(Cohort.start_date.desc())
    ).all()
    details, nexts, weeks = {}, {}, {}
    for enrolment in enrolments:  # a person has one or two enrolments, not many
        if enrolment.status != EnrolmentStatus.ACTIVE:
            continue
        detail = participant_detail(enrolment, now)
        details[enrolment.id] = detail
        nexts[enrolment.id] = next(
            (
                line.session
                for line in detail.lines
                if not line.session.cancelled and line.session.ends_at > now
            ),
            None,
        )
        weeks[enrolment.id] = week_of(enrolment.cohort.start_date, now)
    from cohort.main.team_nudges import team_nudges

    nudges = team_nudges({e_id: [line.session for line in d.lines] for e_id, d in details.items()}, now)
    context = {
        "enrolments": enrolments,
        "details": details,
        "nexts": nexts,
        "weeks": weeks,
        "now": now,
        "team_nudges": nudges,
    }
    return "main/dashboard_participant.html", context


def sponsor(user: User):
    from cohort.main.sponsor_dashboard import sponsor as sponsor_dashboard  # filters and pages

    return sponsor_dashboard(user)
