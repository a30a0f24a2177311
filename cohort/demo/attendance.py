"""The demo cohort's registers, catch-ups and the drop-in with its open self check-in, made
through the same services as the pages, with their audit events (those services commit).

Who is at risk, and why (docs/rules.md §4), is planned here; everyone else gets the usual mix
of `usual_mark`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.domain.times import in_london, london_date
from cohort.extensions import db
from cohort.models import CheckIn, Cohort, Enrolment, Role, Session, User
from cohort.models.base import utcnow

AT_RISK_ATTENDANCE = "Daniel Whitfield"  # below 80 %; caught up the ethics module he missed
AT_RISK_MANDATORY = "Hannah Kowalski"  # good attendance, but a mandatory module missed, no catch-up
CAUGHT_UP = "Oluwaseun Adeyemi"  # missed a mandatory module, caught up: not at risk
PLANNED_MARKS: dict[str, dict[str, tuple[Mark, str | None]]] = {
    "Amara Okafor": {"Week 4 workshop": (Mark.LATE, "Train delayed")},
    AT_RISK_ATTENDANCE: {
        "Ethics: Transparency": (Mark.ABSENT, None),
        "Week 3 workshop": (Mark.ABSENT, None),
        "Week 4 workshop": (Mark.ABSENT, None),
        "Hackathon 1": (Mark.LATE, "Joined after lunch"),
        "Week 7 workshop": (Mark.ABSENT, None),
    },
    AT_RISK_MANDATORY: {"Ethics: Bias and fairness": (Mark.EXCUSED, "Medical appointment")},
    CAUGHT_UP: {"Ethics: Accountability": (Mark.EXCUSED, "Annual leave")},
}
CATCH_UPS = {
    AT_RISK_ATTENDANCE: (
        "Ethics: Transparency",
        "Watched the recording and wrote an algorithmic transparency record for his team's model, "
        "reviewed by the facilitator.",
    ),
    CAUGHT_UP: (
        "Ethics: Accountability",
        "Worked through the module pack and discussed the accountability case study with a facilitator.",
    ),
}
LATE_NOTES = ("Train delayed", None, "Overran in a team meeting", None)
EXCUSED_NOTES = ("Annual leave", "Department business", "Unwell")
CANCELLED = "Week 11 workshop"
CANCEL_REASON = (
    "The guest speakers from the security team are unavailable that week. "
    "The workshop materials will be shared for self-study and covered in the week 12 workshop."
)
DROP_IN_TITLE = "Drop-in: project clinic"
DROP_IN_HOURS = 3
CHECK_IN_MINUTES = 240  # the longest a check-in may stay open, so there is time to try it


def session_key(session: Session) -> str:
    """ "Week 3 workshop", "Hackathon 1", "Ethics: Transparency": a session's name in the plan."""
    if session.kind in (SessionKind.WORKSHOP, SessionKind.HACKATHON):
        return session.title.split(":")[0]
    return session.title


def usual_mark(person: int, session: int, mandatory: bool) -> tuple[Mark, str | None]:
    """Mostly present, some late, a few excused or absent; never missing a mandatory one."""
    h = (7 * person + 11 * session) % 23
    if h == 0 and not mandatory:
        return Mark.ABSENT, None
    if h == 1 and not mandatory:
        return Mark.EXCUSED, EXCUSED_NOTES[(person + session) % len(EXCUSED_NOTES)]
    if h in (2, 3):
        return Mark.LATE, LATE_NOTES[(person + session) % len(LATE_NOTES)]
    return Mark.PRESENT, None


def take_registers(
    cohort: Cohort, sessions: list[Session], unmarked: Session | None, left_on: dict[int, date], now: datetime
) -> int:
    from cohort.attendance.service import Entry, save_register

    def load() -> list[Enrolment]:
        # One query, after each register's commit has expired them all.
        return list(
            db.session.scalars(
                select(Enrolment)
                .options(joinedload(Enrolment.user))
                .where(Enrolment.cohort_id == cohort.id)
                .order_by(Enrolment.id)
            )
        )

    enrolments = load()
    names = {e.id: e.user.full_name for e in enrolments}
    position = {e.id: i for i, e in enumerate(enrolments)}
    misses: dict[int, dict[Mark, int]] = {e.id: {Mark.ABSENT: 0, Mark.EXCUSED: 0} for e in enrolments}
    taken = 0
    for n, session in enumerate(sessions):
        if session.cancelled or session.ends_at > now or session is unmarked:
            continue
        enrolments = load() if taken else enrolments
        present = [e for e in enrolments if e.id not in left_on or session.day < left_on[e.id]]
        entries = {}
        for enrolment in present:
            planned = PLANNED_MARKS.get(names[enrolment.id])
            if planned is not None:
                mark, note = planned.get(session_key(session), (Mark.PRESENT, None))
            else:
                mark, note = usual_mark(position[enrolment.id], n, session.mandatory)
                # At most one absence and one excused session each: the rest stay on track.
                if mark in misses[enrolment.id]:
                    misses[enrolment.id][mark] += 1
                    if misses[enrolment.id][mark] > 1:
                        mark, note = Mark.PRESENT, None
            entries[enrolment.id] = Entry(mark, note)
        actor = session.facilitator or db.session.scalar(select(User).where(User.role == Role.ADMIN))
        assert actor is not None  # seed_demo made the programme manager, an admin, first
        save_register(actor, session, present, {}, entries, at=session.ends_at)
        taken += 1
    return taken


def record_catch_ups(cohort: Cohort, sessions: list[Session], now: datetime) -> None:
    from cohort.attendance.service import record_catch_up

    by_key = {session_key(s): s for s in sessions}
    for name, (key, what) in CATCH_UPS.items():
        session = by_key.get(key)
        if session is None or session.ends_at > now:
            continue
        enrolment = db.session.scalar(
            select(Enrolment)
            .join(User, User.id == Enrolment.user_id)
            .where(Enrolment.cohort_id == cohort.id, User.full_name == name)
        )
        assert enrolment is not None  # everyone in CATCH_UPS is one of the demo cohort's PARTICIPANTS
        completed_on = min(session.day + timedelta(days=7), london_date(now))
        record_catch_up(
            session.facilitator or enrolment.user,
            enrolment,
            session,
            what,
            completed_on,
            PLANNED_MARKS[name][key][0],
            at=now,
        )


def drop_in(cohort: Cohort, admin: User, now: datetime):
    """A drop-in session today covering the present hour, with a self check-in open."""
    from cohort.attendance.service import AttendanceError, open_check_in
    from cohort.schedule.service import SessionDetails, clashes, create_session, facilitator_choices

    local = in_london(now)
    start = time(local.hour)
    end = time(local.hour + DROP_IN_HOURS) if local.hour + DROP_IN_HOURS <= 23 else time(23, 59)
    details = SessionDetails(
        kind=SessionKind.OTHER,
        title=DROP_IN_TITLE,
        day=local.date(),
        start=start,
        end=end,
        description="Bring questions about your hackathon project or this week's workshop. "
        "Check in with the code on the screen.",
        online_link="https://meet.example.gov.uk/ai-accelerator-drop-in",
    )
    facilitator = next(
        (p for p in facilitator_choices(cohort) if not clashes(p.id, details.starts_at, details.ends_at)),
        None,
    )
    details.facilitator_id = facilitator.id if facilitator else None
    session = create_session(facilitator or admin, cohort, details, confirmed=True, commit=False)
    try:
        check_in = open_check_in(
            facilitator or admin,
            session,
            minutes=CHECK_IN_MINUTES,
            late_after_minutes=DROP_IN_HOURS * 60,  # a drop-in: nobody is late
            at=now,
        )
    except AttendanceError:  # seeded in the last minute of the day: the drop-in has ended
        db.session.commit()
        return session, None
    return session, check_in


def demo_check_in(now: datetime | None = None) -> CheckIn | None:
    """The demo cohort's self check-in that is open now, if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(CheckIn)
        .join(Session, Session.id == CheckIn.session_id)
        .join(Cohort, Cohort.id == Session.cohort_id)
        .where(Cohort.slug == "cohort-1", CheckIn.opens_at <= now, CheckIn.closes_at > now)
        .order_by(CheckIn.opens_at.desc())
        .limit(1)
    )
