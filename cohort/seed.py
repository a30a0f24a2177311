"""Demo data: deterministic, so every `make run` and every test sees the same people.

Used by `flask seed-demo`. Nothing here runs in production unless asked for.

The demo cohort is always part-way through: it starts on the Monday that puts
the day of seeding in week 9 of its 12 (28 September 2026 when seeded on
23 November 2026), so CI and the browser tests see the same picture whatever
day they run. Its timetable is the standard programme; registers are taken for
the sessions that have ended, with a realistic mix of marks and two people at
risk; one ended register is left to take, one future session is cancelled, and
a drop-in session running now has a self check-in open. Ids of people and
enrolments do not depend on the day (Amara Okafor is user 6, her enrolment 1).

Registers, catch-ups, cancellations and check-ins are made through the same
services as the pages, with their audit events; those services commit, so the
seed commits along the way.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from cohort.auth.passwords import hash_password
from cohort.cohorts.service import CohortDetails, create_cohort
from cohort.core import audit
from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.domain.times import in_london, london_date
from cohort.extensions import db
from cohort.models import (
    CheckIn,
    Cohort,
    CohortStatus,
    Department,
    DepartmentAlias,
    Enrolment,
    EnrolmentStatus,
    Role,
    Session,
    User,
)
from cohort.models.base import utcnow

DEMO_PASSWORD = "accelerate-demo-2026"  # noqa: S105 - published demo login, development only

# code, name, email domain, aliases (docs/rules.md §2.1)
DEPARTMENTS = [
    ("MOJ", "Ministry of Justice", "justice.gov.uk", ["MoJ", "Min of Justice"]),
    ("UKHSA", "UK Health Security Agency", "ukhsa.gov.uk", ["UK HSA", "Health Security Agency"]),
    ("DVLA", "Driver and Vehicle Licensing Agency", "dvla.gov.uk", ["Driver & Vehicle Licensing Agency"]),
    ("WG", "Welsh Government", "gov.wales", ["Llywodraeth Cymru", "Welsh Gov"]),
    ("SG", "Scottish Government", "gov.scot", ["Riaghaltas na h-Alba", "Scot Gov"]),
    ("GDS", "Government Digital Service", "digital.cabinet-office.gov.uk", []),
    ("HMRC", "HM Revenue and Customs", "hmrc.gov.uk", ["HM Revenue & Customs"]),
    ("DWP", "Department for Work and Pensions", "dwp.gov.uk", []),
    ("MOD", "Ministry of Defence", "mod.gov.uk", ["MoD"]),
    ("DHSC", "Department of Health and Social Care", "dhsc.gov.uk", []),
    ("DfT", "Department for Transport", "dft.gov.uk", ["Dept for Transport"]),
    ("CO", "Cabinet Office", "cabinetoffice.gov.uk", ["Cabinet Office (CO)"]),
]


@dataclass(frozen=True)
class DemoLogin:
    role: Role
    email: str
    full_name: str
    department: str | None = None


STAFF = [
    DemoLogin(Role.ADMIN, "programme.manager@example.gov.uk", "Priya Raman"),
    DemoLogin(Role.FACILITATOR, "facilitator.one@example.gov.uk", "Tom Gallagher"),
    DemoLogin(Role.FACILITATOR, "facilitator.two@example.gov.uk", "Aisha Bello"),
    DemoLogin(Role.SPONSOR, "sponsor.moj@justice.gov.uk", "Helen Carter", "MOJ"),
    DemoLogin(Role.SPONSOR, "sponsor.dvla@dvla.gov.uk", "Gareth Evans", "DVLA"),
]

# 25 participants, spread over MOJ, UKHSA, DVLA, WG, SG and others. Accents and
# apostrophes on purpose: they must survive every page and export.
PARTICIPANTS = [
    ("Amara Okafor", "MOJ"),
    ("Siân O'Neill", "WG"),
    ("Zoë Ng", "UKHSA"),
    ("Daniel Whitfield", "MOJ"),
    ("Fiona MacLeod", "SG"),
    ("Rhys Llewellyn", "WG"),
    ("Hannah Kowalski", "DVLA"),
    ("Oluwaseun Adeyemi", "UKHSA"),
    ("Callum Reid", "SG"),
    ("Priyanka Shah", "MOJ"),
    ("Mohammed Iqbal", "DVLA"),
    ("Niamh Doyle", "HMRC"),
    ("Eilidh Fraser", "SG"),
    ("James Thornton", "MOJ"),
    ("Chloé Dubois", "UKHSA"),
    ("Owain Pritchard", "DVLA"),
    ("Grace Mensah", "DWP"),
    ("Liam O'Brien", "MOJ"),
    ("Sophie Turner", "UKHSA"),
    ("Kwame Asante", "GDS"),
    ("Mairi Campbell", "SG"),
    ("Tomasz Nowak", "DVLA"),
    ("Rebecca Hughes", "MOJ"),
    ("Dafydd Jones", "WG"),
    ("Yusuf Rahman", "UKHSA"),
]

DEMO_COHORT_NAME = "AI Accelerator — Cohort 1"
DEMO_WEEK = 9  # the demo cohort is in this week of its 12 on the day it is seeded
DEMO_COHORT_START = date(2026, 9, 28)  # its start when seeded on 23 November 2026; base of the scale cohorts


def demo_cohort_start(today: date) -> date:
    """The Monday that puts `today` in week DEMO_WEEK: 28 September 2026 for 23 November 2026."""
    return today - timedelta(days=today.weekday(), weeks=DEMO_WEEK - 1)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def participant_email(full_name: str, domain: str) -> str:
    local = ".".join(_ascii(part).lower().replace("'", "") for part in full_name.split())
    return f"{local}@{domain}"


def demo_logins() -> list[DemoLogin]:
    first_participant = PARTICIPANTS[0]
    domain = next(d[2] for d in DEPARTMENTS if d[0] == first_participant[1])
    return [
        *STAFF,
        DemoLogin(
            Role.PARTICIPANT,
            participant_email(first_participant[0], domain),
            first_participant[0],
            first_participant[1],
        ),
    ]


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count(Department.id))) == 0


def seed_departments() -> dict[str, Department]:
    departments = {}
    for code, name, _domain, aliases in DEPARTMENTS:
        department = Department(code=code, name=name)
        department.aliases = [DepartmentAlias(alias=a, alias_key=a.lower()) for a in aliases]
        db.session.add(department)
        departments[code] = department
    db.session.flush()
    for department in departments.values():
        audit.record(
            None,
            "create",
            department,
            f"Seeded department {department.code}",
            after={"code": department.code, "name": department.name, "aliases": department.alias_names},
        )
    return departments


def _user(email: str, name: str, role: Role, department: Department | None, password_hash: str) -> User:
    user = User(
        email=email,
        full_name=name,
        role=role,
        department=department,
        password_hash=password_hash,
        is_active_account=True,
    )
    db.session.add(user)
    return user


def _enrol_cohort(cohort: Cohort, people: list[User]) -> None:
    for i, person in enumerate(people):
        enrolment = Enrolment(
            cohort=cohort,
            user=person,
            status=EnrolmentStatus.ACTIVE,
            enrolled_on=cohort.start_date - timedelta(days=14 - i % 7),
        )
        db.session.add(enrolment)
    db.session.flush()
    audit.record(
        None,
        "create",
        cohort,
        f"Seeded {len(people)} enrolments in {cohort.name}",
        after={"enrolments": len(people)},
    )


@dataclass(frozen=True)
class DemoSeed:
    """What `seed_demo` made that a person needs to know to try it."""

    cohort_start: date
    week: int
    sessions: int  # of the demo cohort, the drop-in included
    registers: int  # ended sessions whose register was taken
    unmarked: str | None  # title of the ended session left without a register
    cancelled: str | None  # title of the cancelled session
    at_risk: list[str]  # names
    check_in_code: str | None
    check_in_session: str | None
    check_in_closes_at: datetime | None
    messages: int = 0  # in Admin → Outbox


def _demo_second_factors(staff: list[User]) -> None:
    """Demo staff whose role needs a second factor get one, all with the published DEMO_SECRET
    (README, Demo logins; docs/sign-in.md, Second factor): development only, never in production,
    where they would be asked to set up their own."""
    from flask import current_app

    from cohort.auth.second_factor import DEMO_SECRET, replace_recovery_codes
    from cohort.models import SecondFactor

    if current_app.config["ENV_IS_PRODUCTION"]:
        return
    for user in staff:
        if user.role in current_app.config["SECOND_FACTOR_ROLES"]:
            db.session.add(SecondFactor(user_id=user.id, secret=DEMO_SECRET, confirmed_at=utcnow()))
            replace_recovery_codes(user)  # unpublished: ten left on Your account, as after a set-up


def seed_demo(now: datetime | None = None) -> DemoSeed:
    """Departments, staff, the running demo cohort of 25 part-way through its weeks, and
    the planned second cohort. `now` (UTC, default: the present) fixes the day it is seeded
    for; the demo cohort starts on the Monday that puts it in week DEMO_WEEK."""
    now = now or utcnow()
    start = demo_cohort_start(london_date(now))
    departments = seed_departments()
    # One hash for every demo account: argon2 is slow by design.
    password_hash = hash_password(DEMO_PASSWORD)
    staff = {}
    for login in STAFF:
        department = departments[login.department] if login.department else None
        staff[login.email] = _user(login.email, login.full_name, login.role, department, password_hash)
    domains = {code: domain for code, _name, domain, _aliases in DEPARTMENTS}
    people = [
        _user(
            participant_email(name, domains[code]), name, Role.PARTICIPANT, departments[code], password_hash
        )
        for name, code in PARTICIPANTS
    ]
    db.session.flush()
    _demo_second_factors(list(staff.values()))
    cohort = create_cohort(
        None,
        CohortDetails(
            name=DEMO_COHORT_NAME,
            slug="cohort-1",
            description="The first run of the 12-week AI Accelerator Programme, turning data "
            "scientists into machine learning engineers.",
            start_date=start,
            status=CohortStatus.RUNNING,
            facilitator_ids=[staff[s.email].id for s in STAFF if s.role == Role.FACILITATOR],
        ),
        commit=False,
    )
    _enrol_cohort(cohort, people)
    admin = staff[STAFF[0].email]
    second, left_on = _seed_movements(cohort, people, admin, departments, password_hash)
    seeded = _seed_timetable(cohort, second, admin, people[0], left_on, now)
    facilitators = [staff[s.email] for s in STAFF if s.role == Role.FACILITATOR]
    from cohort.skills.demo import seed_skills

    seed_skills(cohort, second, admin, facilitators)
    # Hackathons: department challenges, a finished hackathon with published results, one to come.
    from cohort.hackathons.demo import seed_hackathons

    seed_hackathons(cohort, admin, facilitators, [staff[s.email] for s in STAFF if s.role == Role.SPONSOR])
    # Completion: an earlier cohort, finished, with recorded outcomes and one override.
    from cohort.completion.demo import seed_finished_cohort

    seed_finished_cohort(
        admin=admin,
        facilitators=facilitators,
        departments=list(departments.values()),
        start=start - timedelta(weeks=20),
        password_hash=password_hash,
        now=now,
    )
    # E-mail: the timed messages as at now, beside those the changes above sent.
    from cohort.messages.demo import seed_demo_messages

    return dataclasses.replace(seeded, messages=seed_demo_messages(now))


SECOND_COHORT_NAME = "AI Accelerator — Cohort 2"
SECOND_COHORT_WEEKS_AFTER = 15  # planned, with free places: 11 January 2027 for the demo of 28 September 2026


def _seed_movements(
    cohort: Cohort, people: list[User], admin: User, departments, password_hash: str
) -> tuple[Cohort, dict[int, date]]:
    """A planned second cohort, one withdrawal and one transfer, made through the same
    services (and audit trail) as the pages use. Returns the second cohort and, for the
    two who left the first, enrolment id → the day they left."""
    from cohort.services.enrolments import transfer, withdraw

    start = cohort.start_date
    second = create_cohort(
        admin,
        CohortDetails(
            name=SECOND_COHORT_NAME,
            slug="cohort-2",
            description="The second run of the programme, open for nominations.",
            start_date=start + timedelta(weeks=SECOND_COHORT_WEEKS_AFTER),
            status=CohortStatus.PLANNED,
        ),
        commit=False,
    )
    by_name = {person.full_name: person for person in people}
    enrolment_of = {
        e.user_id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    }
    withdrawn = enrolment_of[by_name["James Thornton"].id]
    withdrawn_on = start + timedelta(weeks=3)
    withdraw(
        admin,
        withdrawn,
        "Moved to a new role in the department and cannot attend the sessions",
        withdrawn_on,
    )
    transferred = enrolment_of[by_name["Callum Reid"].id]
    transferred_on = start + timedelta(weeks=5)
    transfer(admin, transferred, second, transferred_on)
    newcomers = [("Ffion Roberts", "WG"), ("Ewan Stewart", "SG")]
    domains = {code: domain for code, _name, domain, _aliases in DEPARTMENTS}
    for name, code in newcomers:
        person = _user(
            participant_email(name, domains[code]), name, Role.PARTICIPANT, departments[code], password_hash
        )
        db.session.flush()
        enrolment = Enrolment(
            cohort=second,
            user=person,
            status=EnrolmentStatus.ACTIVE,
            enrolled_on=start + timedelta(weeks=DEMO_WEEK - 2),
        )
        db.session.add(enrolment)
        db.session.flush()
        audit.record(admin, "create", enrolment, f"Enrolled {name} in {second.name}")
    return second, {withdrawn.id: withdrawn_on, transferred.id: transferred_on}


# The timetable, registers and check-in ------------------------------------------------

# Who is at risk, and why (docs/rules.md §4), by session: "Week 3 workshop", "Ethics: Transparency".
# Everyone else gets the usual mix of `_usual_mark`.
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


def _key(session: Session) -> str:
    """ "Week 3 workshop", "Hackathon 1", "Ethics: Transparency": a session's name in the plan."""
    if session.kind in (SessionKind.WORKSHOP, SessionKind.HACKATHON):
        return session.title.split(":")[0]
    return session.title


def _usual_mark(person: int, session: int, mandatory: bool) -> tuple[Mark, str | None]:
    """Mostly present, some late, a few excused or absent; never missing a mandatory one."""
    h = (7 * person + 11 * session) % 23
    if h == 0 and not mandatory:
        return Mark.ABSENT, None
    if h == 1 and not mandatory:
        return Mark.EXCUSED, EXCUSED_NOTES[(person + session) % len(EXCUSED_NOTES)]
    if h in (2, 3):
        return Mark.LATE, LATE_NOTES[(person + session) % len(LATE_NOTES)]
    return Mark.PRESENT, None


def _take_registers(
    cohort: Cohort, sessions: list[Session], unmarked: Session | None, left_on: dict[int, date], now: datetime
) -> int:
    from cohort.services.attendance import Entry, save_register

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
                mark, note = planned.get(_key(session), (Mark.PRESENT, None))
            else:
                mark, note = _usual_mark(position[enrolment.id], n, session.mandatory)
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


def _record_catch_ups(cohort: Cohort, sessions: list[Session], now: datetime) -> None:
    from cohort.services.attendance import record_catch_up

    by_key = {_key(s): s for s in sessions}
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


def _drop_in(cohort: Cohort, admin: User, now: datetime):
    """A drop-in session today covering the present hour, with a self check-in open."""
    from cohort.services.attendance import AttendanceError, open_check_in
    from cohort.services.schedule import SessionDetails, clashes, create_session, facilitator_choices

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


def _seed_timetable(
    cohort: Cohort, second: Cohort, admin: User, participant: User, left_on: dict[int, date], now: datetime
) -> DemoSeed:
    from cohort.attendance.queries import cohort_attendance
    from cohort.services.schedule import apply_standard_programme, cancel_session, regenerate_calendar_feed

    sessions = apply_standard_programme(admin, cohort, confirmed=True, commit=False)
    apply_standard_programme(admin, second, confirmed=True, commit=False)
    db.session.commit()
    ended = [s for s in sessions if s.ends_at <= now]
    workshops = [s for s in ended if s.kind == SessionKind.WORKSHOP]
    unmarked = workshops[-1] if workshops else None  # last week's register is still to take
    registers = _take_registers(cohort, sessions, unmarked, left_on, now)
    _record_catch_ups(cohort, sessions, now)
    cancelled = next((s for s in sessions if _key(s) == CANCELLED and s.starts_at > now), None)
    if cancelled is not None:
        cancel_session(admin, cancelled, CANCEL_REASON, at=now)
    drop_in, check_in = _drop_in(cohort, admin, now)
    regenerate_calendar_feed(participant)
    figures = cohort_attendance(cohort, now)
    return DemoSeed(
        cohort_start=cohort.start_date,
        week=DEMO_WEEK,
        sessions=len(sessions) + 1,
        registers=registers,
        unmarked=unmarked.title if unmarked else None,
        cancelled=cancelled.title if cancelled else None,
        at_risk=[row.enrolment.user.full_name for row in figures.at_risk],
        check_in_code=check_in.code if check_in else None,
        check_in_session=drop_in.title,
        check_in_closes_at=check_in.closes_at if check_in else None,
    )


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
