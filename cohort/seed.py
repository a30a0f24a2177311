"""Demo data: deterministic, so every `make run` and every test sees the same people.

Used by `flask seed-demo`. Nothing here runs in production unless asked for.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from cohort.auth.passwords import hash_password
from cohort.extensions import db
from cohort.models import (
    BankHolidayDivision,
    Cohort,
    CohortStatus,
    Department,
    DepartmentAlias,
    Enrolment,
    EnrolmentStatus,
    Role,
    User,
)
from cohort.services import audit
from cohort.services.cohorts import CohortDetails, create_cohort

DEMO_PASSWORD = "accelerate-demo-2026"  # noqa: S105 - published demo login, development only

# code, name, email domain, aliases (DESIGN.md §3)
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
DEMO_COHORT_START = date(2026, 9, 28)  # a Monday; running in November 2026, ends before Christmas


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


def seed_demo() -> None:
    """Departments, staff, and the running demo cohort of 25. Caller commits."""
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
    cohort = create_cohort(
        None,
        CohortDetails(
            name=DEMO_COHORT_NAME,
            slug="cohort-1",
            description="The first run of the 12-week AI Accelerator Programme, turning data "
            "scientists into machine learning engineers.",
            start_date=DEMO_COHORT_START,
            status=CohortStatus.RUNNING,
            facilitator_ids=[staff[s.email].id for s in STAFF if s.role == Role.FACILITATOR],
        ),
        commit=False,
    )
    _enrol_cohort(cohort, people)
    _seed_movements(cohort, people, staff[STAFF[0].email], departments, password_hash)


SECOND_COHORT_NAME = "AI Accelerator — Cohort 2"
SECOND_COHORT_START = date(2027, 1, 11)  # a Monday: planned, with free places


def _seed_movements(cohort: Cohort, people: list[User], admin: User, departments, password_hash: str) -> None:
    """A planned second cohort, one withdrawal and one transfer, made through the same
    services (and audit trail) as the pages use."""
    from cohort.services.enrolments import transfer, withdraw

    second = create_cohort(
        admin,
        CohortDetails(
            name=SECOND_COHORT_NAME,
            slug="cohort-2",
            description="The second run of the programme, open for nominations.",
            start_date=SECOND_COHORT_START,
            status=CohortStatus.PLANNED,
        ),
        commit=False,
    )
    by_name = {person.full_name: person for person in people}
    enrolment_of = {
        e.user_id: e for e in db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id))
    }
    withdraw(
        admin,
        enrolment_of[by_name["James Thornton"].id],
        "Moved to a new role in the department and cannot attend the sessions",
        date(2026, 10, 19),
    )
    transfer(admin, enrolment_of[by_name["Callum Reid"].id], second, date(2026, 11, 2))
    newcomers = [("Ffion Roberts", "WG"), ("Ewan Stewart", "SG")]
    domains = {code: domain for code, _name, domain, _aliases in DEPARTMENTS}
    for name, code in newcomers:
        person = _user(
            participant_email(name, domains[code]), name, Role.PARTICIPANT, departments[code], password_hash
        )
        db.session.flush()
        enrolment = Enrolment(
            cohort=second, user=person, status=EnrolmentStatus.ACTIVE, enrolled_on=date(2026, 11, 16)
        )
        db.session.add(enrolment)
        db.session.flush()
        audit.record(admin, "create", enrolment, f"Enrolled {name} in {second.name}")


def seed_scale(cohorts: int) -> int:
    """Add up to `cohorts` load-test cohorts of 25 participants each; returns how many
    were new (re-running with the same number adds nothing). Caller commits."""
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    if not departments:
        raise ValueError("Seed the demo data first: there are no departments")
    password_hash = None
    created = 0
    base = DEMO_COHORT_START + timedelta(weeks=1)
    for n in range(1, cohorts + 1):
        slug = f"scale-{n:03d}"
        if db.session.scalar(select(Cohort.id).where(Cohort.slug == slug)) is not None:
            continue
        password_hash = password_hash or hash_password(DEMO_PASSWORD)
        cohort = create_cohort(
            None,
            CohortDetails(
                name=f"Scale test cohort {n:03d}",
                slug=slug,
                start_date=base + timedelta(weeks=n % 40),
                status=CohortStatus.OPEN,
                bank_holiday_division=list(BankHolidayDivision)[n % 3],
            ),
            commit=False,
        )
        people = []
        for i in range(25):
            department = departments[(n + i) % len(departments)]
            people.append(
                _user(
                    f"scale{n:03d}.person{i:02d}@example.gov.uk",
                    f"Scale Person {n:03d}-{i:02d}",
                    Role.PARTICIPANT,
                    department,
                    password_hash,
                )
            )
        db.session.flush()
        _enrol_cohort(cohort, people)
        created += 1
    return created
