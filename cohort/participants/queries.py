"""Who may see which participant, and the lists of participants: one query per list."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import joinedload

from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, Enrolment, EnrolmentStatus, Role, User, cohort_facilitators
from cohort.paging import clean_search

SORTS = {
    "name": (User.full_name,),
    "department": ("department_code", User.full_name),
    "cohort": (Cohort.start_date.desc(), User.full_name),
    "status": (Enrolment.status, User.full_name),
    "enrolled": (Enrolment.enrolled_on, User.full_name),
}


def _in_facilitators_cohorts(viewer: User):
    return exists().where(
        cohort_facilitators.c.user_id == viewer.id,
        cohort_facilitators.c.cohort_id == Enrolment.cohort_id,
    )


def participant_scope(viewer: User) -> Select:
    """Participants this viewer may look at (docs/rules.md §1.2)."""
    query = select(User).where(User.role == Role.PARTICIPANT)
    if viewer.role == Role.ADMIN:
        return query
    if viewer.role == Role.SPONSOR:
        return query.where(User.department_id == viewer.department_id)
    if viewer.role == Role.FACILITATOR:
        return query.where(exists().where(Enrolment.user_id == User.id, _in_facilitators_cohorts(viewer)))
    return query.where(User.id == viewer.id)


def participant_for(viewer: User, user_id: int) -> User | None:
    if not 0 < user_id < 2**31:
        return None
    return db.session.scalar(
        participant_scope(viewer).where(User.id == user_id).options(joinedload(User.department))
    )


def enrolments_of(user: User) -> list[Enrolment]:
    return list(
        db.session.scalars(
            select(Enrolment)
            .options(
                joinedload(Enrolment.cohort),
                joinedload(Enrolment.transferred_to).joinedload(Enrolment.cohort),
            )
            .where(Enrolment.user_id == user.id)
            .order_by(Enrolment.enrolled_on.desc(), Enrolment.id.desc())
        )
    )


def transferred_from(enrolments: list[Enrolment]) -> dict[int, Enrolment]:
    """For each of these enrolments that came from a transfer, the enrolment it came from."""
    ids = [e.id for e in enrolments]
    if not ids:
        return {}
    sources = db.session.scalars(
        select(Enrolment).options(joinedload(Enrolment.cohort)).where(Enrolment.transferred_to_id.in_(ids))
    )
    # Not None: only enrolments transferred to one of `ids` were read.
    return {cast(int, source.transferred_to_id): source for source in sources}


def status_history(enrolments: list[Enrolment]) -> list[AuditEvent]:
    """Every recorded change to these enrolments, oldest first."""
    ids = [e.id for e in enrolments]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(joinedload(AuditEvent.actor))
            .where(AuditEvent.entity_type == "Enrolment", AuditEvent.entity_id.in_(ids))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def enrolment_list(
    viewer: User,
    *,
    cohort_id: int | None = None,
    department_id: int | None = None,
    status: EnrolmentStatus | None = None,
    search: str = "",
    sort: str = "name",
) -> Select:
    """Enrolments the viewer may see, with person, department and cohort loaded."""
    from cohort.models import Department

    query = (
        select(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Department, Department.id == User.department_id)
        .options(
            joinedload(Enrolment.user).joinedload(User.department),
            joinedload(Enrolment.cohort),
            joinedload(Enrolment.transferred_to).joinedload(Enrolment.cohort),
        )
    )
    if viewer.role == Role.SPONSOR:
        query = query.where(User.department_id == viewer.department_id)
    elif viewer.role == Role.FACILITATOR:
        query = query.where(_in_facilitators_cohorts(viewer))
    elif viewer.role == Role.PARTICIPANT:
        query = query.where(Enrolment.user_id == viewer.id)
    if cohort_id is not None:
        query = query.where(Enrolment.cohort_id == cohort_id)
    if department_id is not None:
        query = query.where(User.department_id == department_id)
    if status is not None:
        query = query.where(Enrolment.status == status)
    search = clean_search(search)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(User.full_name.ilike(pattern, escape="\\"), User.email.ilike(pattern, escape="\\"))
        )
    order = [
        Department.code if column == "department_code" else column
        for column in SORTS.get(sort, SORTS["name"])
    ]
    return query.order_by(*order, Enrolment.id)
