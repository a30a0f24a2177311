"""Who may see which participant, and the lists of participants: one query per list."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, Enrolment, EnrolmentStatus, User
from cohort.paging import clean_search
from cohort.policy import visible_enrolments, visible_participants

SORTS = {
    "name": (User.full_name,),
    "department": ("department_code", User.full_name),
    "cohort": (Cohort.start_date.desc(), User.full_name),
    "status": (Enrolment.status, User.full_name),
    "enrolled": (Enrolment.enrolled_on, User.full_name),
}


def participant_for(viewer: User, user_id: int) -> User | None:
    if not 0 < user_id < 2**31:
        return None
    return db.session.scalar(
        visible_participants(viewer).where(User.id == user_id).options(joinedload(User.department))
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
    query = visible_enrolments(viewer, query)
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
