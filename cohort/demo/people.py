"""Demo people: the departments, the staff with their published logins and the participants
of the running cohort (docs/rules.md §2.1). Deterministic: ids do not depend on the day.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from cohort.core import audit
from cohort.extensions import db
from cohort.models import (
    Cohort,
    Department,
    DepartmentAlias,
    Enrolment,
    EnrolmentStatus,
    Role,
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


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def participant_email(full_name: str, domain: str) -> str:
    local = ".".join(_ascii(part).lower().replace("'", "") for part in full_name.split())
    return f"{local}@{domain}"


def department_domains() -> dict[str, str]:
    """Department code → the e-mail domain of its people."""
    return {code: domain for code, _name, domain, _aliases in DEPARTMENTS}


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


def add_user(email: str, name: str, role: Role, department: Department | None, password_hash: str) -> User:
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


def enrol_cohort(cohort: Cohort, people: list[User]) -> None:
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


def demo_second_factors(staff: list[User]) -> None:
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
