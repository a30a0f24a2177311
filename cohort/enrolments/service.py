"""Enrolment: putting people into cohorts, withdrawing, reinstating, transferring.

Every change is audited. Capacity and "one enrolment per person per cohort" are
checked here with clear messages, and the database enforces the second one too.
While a change is being made the cohort's row is locked (SELECT … FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) and read again, so two
simultaneous enrolments, imports or reinstatements cannot both take the last place, and
a capacity lowered meanwhile is the one checked. The enrolment being changed is read
again under that lock, so its audit "before" is the row as it is
(docs/decisions/0004-optimistic-edits-and-limits.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.auth import accounts
from cohort.auth.messages import queue_invitation
from cohort.core import audit
from cohort.core.errors import ServiceError
from cohort.domain.formatting import plural
from cohort.extensions import db
from cohort.models import (
    Cohort,
    Department,
    Enrolment,
    EnrolmentStatus,
    Role,
    User,
    normalise_email,
)
from cohort.policy import is_participant

# Enrolments that hold a place in the cohort (count against capacity).
PLACE_HOLDING = (EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
ENROLMENT_AUDIT_FIELDS = (
    "cohort_id",
    "user_id",
    "status",
    "enrolled_on",
    "withdrawn_on",
    "withdrawal_reason",
    "transferred_to_id",
    "job_title",
    "grade",
)
MAX_REASON = 500


class EnrolmentError(ServiceError):
    """A change that cannot be made, in words for the programme manager; `field` names the form field."""


@dataclass(frozen=True)
class NewPerson:
    """Who to enrol: found by email, or created as a new participant from the rest."""

    email: str
    full_name: str | None = None
    department_id: int | None = None
    job_title: str | None = None
    grade: str | None = None


@dataclass(frozen=True)
class EnrolResult:
    enrolment: Enrolment
    user: User
    new_account: bool


def places_taken(cohort: Cohort) -> int:
    return (
        db.session.scalar(
            select(func.count(Enrolment.id)).where(
                Enrolment.cohort_id == cohort.id, Enrolment.status.in_(PLACE_HOLDING)
            )
        )
        or 0
    )


def _lock(cohort: Cohort) -> Cohort:
    """Take the cohort's row lock for the rest of the transaction (PostgreSQL), and read it again."""
    return db.session.execute(
        select(Cohort)
        .where(Cohort.id == cohort.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _lock_enrolment(enrolment: Enrolment, *others: Cohort) -> Enrolment:
    """Lock the enrolment's cohort (and any others, in id order, so two transfers in opposite
    directions cannot deadlock), then read the enrolment again: whatever another request
    changed before the lock was taken is what the checks and the audit "before" see."""
    ids = sorted({enrolment.cohort_id, *(c.id for c in others)})
    for cohort_id in ids:
        db.session.execute(
            select(Cohort)
            .where(Cohort.id == cohort_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    db.session.refresh(enrolment)
    return enrolment


def _check_open(cohort: Cohort) -> None:
    if cohort.status.closed:
        raise EnrolmentError(f"{cohort.name} is {cohort.status.value}: its enrolments can no longer change")


def _check_room(cohort: Cohort, needed: int = 1) -> None:
    taken = places_taken(cohort)
    if taken + needed > cohort.capacity:
        free = max(cohort.capacity - taken, 0)
        if needed == 1:
            raise EnrolmentError(
                f"{cohort.name} is full: {taken} of {cohort.capacity} places are taken. "
                "Raise its capacity or withdraw someone first"
            )
        raise EnrolmentError(
            f"{cohort.name} has {plural(free, 'free place')} "
            f"({taken} of {cohort.capacity} taken) but {needed} people would be enrolled"
        )


def _snapshot(enrolment: Enrolment) -> dict:
    return audit.snapshot(enrolment, ENROLMENT_AUDIT_FIELDS)


def _check_existing_person(user: User, email: str) -> None:
    if not is_participant(user):
        raise EnrolmentError(
            f"{email} belongs to a {user.role.label.lower()} account: only participants can be enrolled",
            "email",
        )
    if not user.is_active_account:
        raise EnrolmentError(f"{user.full_name}'s account is deactivated: reactivate it first", "email")


def _check_new_person(person: NewPerson, department: Department | None) -> str:
    """The new person's full name, once it and the department are known to be given."""
    if not person.full_name:
        raise EnrolmentError(
            "Enter the person's full name: there is no account with this email yet", "full_name"
        )
    if department is None:
        raise EnrolmentError(
            "Select the person's department: there is no account with this email yet", "department"
        )
    return person.full_name


def _find_or_create_person(actor: User | None, person: NewPerson) -> tuple[User, bool]:
    email = normalise_email(person.email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        _check_existing_person(user, email)
        return user, False
    department = db.session.get(Department, person.department_id) if person.department_id else None
    full_name = _check_new_person(person, department)
    user = accounts.invite_user(
        actor,
        email=email,
        full_name=full_name,
        role=Role.PARTICIPANT,
        department=department,
        job_title=person.job_title,
        commit=False,
    )
    return user, True


def _enrol(actor: User | None, cohort: Cohort, user: User, on: date, job_title=None, grade=None) -> Enrolment:
    existing = db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == user.id)
    )
    if existing is not None:
        raise EnrolmentError(
            f"{user.full_name} is already enrolled in {cohort.name} ({existing.status.label.lower()})",
            "email",
        )
    enrolment = Enrolment(
        cohort=cohort,
        user=user,
        status=EnrolmentStatus.ACTIVE,
        enrolled_on=on,
        job_title=(job_title or user.job_title or None),
        grade=grade or None,
    )
    db.session.add(enrolment)
    db.session.flush()
    audit.record(
        actor, "create", enrolment, f"Enrolled {user.full_name} in {cohort.name}", after=_snapshot(enrolment)
    )
    return enrolment


def default_enrolment_date(cohort: Cohort, today: date) -> date:
    """What the enrol form offers as the day the person joined (docs/rules.md §2.4): today while
    the cohort runs (a late joiner: what came before does not count for them); its start date
    before it starts, and for a cohort whose last day has passed, where a person enrolled now is
    nearly always being recorded as having been there all along. The form can change it."""
    if cohort.start_date <= today <= cohort.end_date:
        return today
    return cohort.start_date


def enrol_person(
    actor: User | None, cohort: Cohort, person: NewPerson, on: date | None = None
) -> EnrolResult:
    """Enrol one person (an existing participant, or a new one created here, who is sent an
    invitation to set a password). Commits."""
    try:
        cohort = _lock(cohort)
        _check_open(cohort)
        user, new_account = _find_or_create_person(actor, person)
        _check_room(cohort)
        enrolment = _enrol(actor, cohort, user, on or date.today(), person.job_title, person.grade)
        if new_account:
            # Saved with the enrolment, or not at all (docs/messages.md, Invitations).
            queue_invitation(user, actor=actor, cohort=cohort)
        db.session.commit()
    except IntegrityError:
        # Another request enrolled the same person (or took the email) at the same moment.
        db.session.rollback()
        raise EnrolmentError(f"{person.email} is already enrolled in {cohort.name}", "email") from None
    except EnrolmentError:
        db.session.rollback()
        raise
    return EnrolResult(enrolment, user, new_account)


def _in_chunks(values: list, size: int = 500):
    # Keeps IN lists well under every database's limit on bound parameters.
    for start in range(0, len(values), size):
        yield values[start : start + size]


def enrol_many(
    actor: User | None, cohort: Cohort, people: list[NewPerson], on: date | None = None
) -> list[EnrolResult]:
    """Enrol everyone or no one (spreadsheet imports). Commits once at the end.

    The same checks as enrol_person, but made in bulk: existing accounts and
    enrolments are looked up a chunk of emails at a time and everything is
    flushed together, so a 5,000-row file takes a handful of queries rather
    than several per row.
    """
    on = on or date.today()
    try:
        cohort = _lock(cohort)
        _check_open(cohort)
        _check_room(cohort, len(people))
        emails = list(dict.fromkeys(normalise_email(person.email) for person in people))
        known: dict[str, User] = {}
        for chunk in _in_chunks(emails):
            known.update((u.email, u) for u in db.session.scalars(select(User).where(User.email.in_(chunk))))
        enrolled: set[int] = set()
        for chunk in _in_chunks([u.id for u in known.values()]):
            enrolled.update(
                db.session.scalars(
                    select(Enrolment.user_id).where(
                        Enrolment.cohort_id == cohort.id, Enrolment.user_id.in_(chunk)
                    )
                )
            )
        departments = {d.id: d for d in db.session.scalars(select(Department))}

        planned: list[tuple[User, bool, NewPerson]] = []
        seen: set[str] = set()
        with db.session.no_autoflush:
            for person in people:
                email = normalise_email(person.email)
                user = known.get(email)
                new_account = user is None
                if user is None:
                    department = departments.get(person.department_id) if person.department_id else None
                    full_name = _check_new_person(person, department)
                    user = User(
                        email=email,
                        full_name=full_name.strip(),
                        role=Role.PARTICIPANT,
                        department=department,
                        job_title=(person.job_title or "").strip() or None,
                        is_active_account=True,
                    )
                    db.session.add(user)
                    known[email] = user
                else:
                    _check_existing_person(user, email)
                    if user.id in enrolled:
                        raise EnrolmentError(
                            f"{user.full_name} is already enrolled in {cohort.name}", "email"
                        )
                if email in seen:
                    raise EnrolmentError(f"{email} appears more than once in the file", "email")
                seen.add(email)
                planned.append((user, new_account, person))
        db.session.flush()  # every new account gets its id

        results = []
        events: list[tuple[str, Any, str, dict[str, Any] | None]] = []
        for user, new_account, person in planned:
            if new_account:
                events.append(
                    (
                        "create",
                        user,
                        f"Invited {user.full_name} ({user.email}) as {Role.PARTICIPANT.label}",
                        audit.snapshot(user, accounts.USER_AUDIT_FIELDS),
                    )
                )
            enrolment = Enrolment(
                cohort=cohort,
                user=user,
                status=EnrolmentStatus.ACTIVE,
                enrolled_on=on,
                job_title=(person.job_title or user.job_title or None),
                grade=person.grade or None,
            )
            db.session.add(enrolment)
            results.append(EnrolResult(enrolment, user, new_account))
        db.session.flush()  # every enrolment gets its id
        events += [
            ("create", r.enrolment, f"Enrolled {r.user.full_name} in {cohort.name}", _snapshot(r.enrolment))
            for r in results
        ]
        audit.record_many(actor, events)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EnrolmentError(
            "Someone else changed this cohort's enrolments while the import ran: nothing was imported. "
            "Upload the file again to see the current preview"
        ) from None
    except EnrolmentError:
        db.session.rollback()
        raise
    return results


def withdraw(actor: User, enrolment: Enrolment, reason: str, on: date) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise EnrolmentError("Enter the reason for withdrawing", "reason")
    if len(reason) > MAX_REASON:
        raise EnrolmentError(f"Reason must be {MAX_REASON} characters or fewer", "reason")
    _lock_enrolment(enrolment)
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise EnrolmentError(
            f"Only an active enrolment can be withdrawn (this one is {enrolment.status.label.lower()})"
        )
    if on < enrolment.enrolled_on:
        raise EnrolmentError("The withdrawal date cannot be before the person was enrolled", "withdrawn_on")
    _check_open(enrolment.cohort)
    before = _snapshot(enrolment)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_on = on
    enrolment.withdrawal_reason = reason
    audit.record(
        actor,
        "withdraw",
        enrolment,
        f"Withdrew {enrolment.user.full_name} from {enrolment.cohort.name}: {reason}",
        before=before,
        after=_snapshot(enrolment),
    )
    db.session.commit()


def reinstate(actor: User, enrolment: Enrolment) -> None:
    try:
        _lock_enrolment(enrolment)
        if enrolment.status != EnrolmentStatus.WITHDRAWN:
            raise EnrolmentError("Only a withdrawn enrolment can be reinstated")
        _check_open(enrolment.cohort)
        _check_room(enrolment.cohort)
    except EnrolmentError:
        db.session.rollback()
        raise
    before = _snapshot(enrolment)
    enrolment.status = EnrolmentStatus.ACTIVE
    enrolment.withdrawn_on = None
    enrolment.withdrawal_reason = None
    audit.record(
        actor,
        "reinstate",
        enrolment,
        f"Reinstated {enrolment.user.full_name} in {enrolment.cohort.name}",
        before=before,
        after=_snapshot(enrolment),
    )
    db.session.commit()


def transfer(actor: User, enrolment: Enrolment, to_cohort: Cohort, on: date) -> Enrolment:
    """Move an active participant to another cohort. The old enrolment stays, marked
    transferred and pointing at the new one. Commits."""
    if to_cohort.id == enrolment.cohort_id:
        raise EnrolmentError("Choose a different cohort to transfer to", "to_cohort")
    try:
        _lock_enrolment(enrolment, to_cohort)
        if enrolment.status != EnrolmentStatus.ACTIVE:
            raise EnrolmentError(
                f"Only an active enrolment can be transferred (this one is {enrolment.status.label.lower()})"
            )
        _check_open(enrolment.cohort)
        if to_cohort.status.closed:
            raise EnrolmentError(
                f"{to_cohort.name} is {to_cohort.status.value}: choose a cohort that is still to run",
                "to_cohort",
            )
        _check_room(to_cohort)
        before = _snapshot(enrolment)
        new = _enrol(actor, to_cohort, enrolment.user, on, enrolment.job_title, enrolment.grade)
        enrolment.status = EnrolmentStatus.TRANSFERRED
        enrolment.transferred_to = new
        db.session.flush()
        audit.record(
            actor,
            "transfer",
            enrolment,
            f"Transferred {enrolment.user.full_name} from {enrolment.cohort.name} to {to_cohort.name}",
            before=before,
            after=_snapshot(enrolment),
        )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise EnrolmentError(
            f"{enrolment.user.full_name} is already enrolled in {to_cohort.name}", "to_cohort"
        ) from None
    except EnrolmentError as error:
        db.session.rollback()
        if error.field == "email":
            error.field = "to_cohort"
        raise
    return new
