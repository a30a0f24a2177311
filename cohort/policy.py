"""Who may do what to which record: the one place that answers it (docs/rules.md §1).

Routes, services, queries and the API ask these functions; none of them compares roles
itself. Two kinds of answer:

- questions about one record ("may this person manage this cohort?") return a bool;
- scopes ("which cohorts may this person see?") return a query the caller narrows further,
  so a list, a search and a single lookup all apply the same scope. Outside someone's
  scope a record is not found (404), never forbidden (docs/rules.md §1.3); that answer is
  given by the request layer in cohort/auth/access.py.

No Flask here: services and jobs use it as well as pages.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, select

from cohort.models import Cohort, Enrolment, Role, User, cohort_facilitators

# People who run cohorts: take registers, assess, form teams (docs/rules.md §1.4).
STAFF = (Role.ADMIN, Role.FACILITATOR)
# Everyone who is not a participant: the header's search box, the staff help page.
STAFF_AND_SPONSORS = (Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)


def is_programme_manager(user: User) -> bool:
    return user.role == Role.ADMIN


def is_participant(user: User) -> bool:
    return user.role == Role.PARTICIPANT


def is_facilitator(user: User) -> bool:
    return user.role == Role.FACILITATOR


def is_sponsor(user: User) -> bool:
    return user.role == Role.SPONSOR


def runs_cohorts(user: User) -> bool:
    """A programme manager or a facilitator (docs/rules.md §1.1)."""
    return user.role in STAFF


def department_scope(user: User) -> int | None:
    """The one department a sponsor's figures and lists are limited to; None for everyone
    else (their scope is by cohort, not department; docs/rules.md §1.2)."""
    return user.department_id if user.role == Role.SPONSOR else None


def may_manage_cohort(user: User, cohort: Cohort) -> bool:
    """Programme managers manage every cohort; facilitators the ones they are assigned to:
    registers, assessments, teams, judges (docs/rules.md §1.4)."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.FACILITATOR and any(f.id == user.id for f in cohort.facilitators)


def may_see_enrolment(viewer: User, enrolment: Enrolment) -> bool:
    """One enrolment's record: programme managers every one; facilitators those of the
    cohorts they run; sponsors their own department's people; a participant their own."""
    if viewer.role == Role.ADMIN:
        return True
    if viewer.role == Role.FACILITATOR:
        return any(f.id == viewer.id for f in enrolment.cohort.facilitators)
    if viewer.role == Role.SPONSOR:
        return viewer.department_id is not None and enrolment.user.department_id == viewer.department_id
    if viewer.role == Role.PARTICIPANT:
        return enrolment.user_id == viewer.id
    return False


def may_see_challenges(user: User) -> bool:
    """The challenge bank: programme managers, and sponsors for their department's."""
    return user.role in (Role.ADMIN, Role.SPONSOR)


def visible_cohorts(user: User) -> Select:
    """A query for the cohorts this person may see (docs/rules.md §1.2)."""
    query = select(Cohort)
    if user.role == Role.ADMIN:
        return query
    if user.role == Role.FACILITATOR:
        return query.where(
            exists().where(
                cohort_facilitators.c.cohort_id == Cohort.id,
                cohort_facilitators.c.user_id == user.id,
            )
        )
    if user.role == Role.PARTICIPANT:
        return query.where(exists().where(Enrolment.cohort_id == Cohort.id, Enrolment.user_id == user.id))
    if user.role == Role.SPONSOR:
        return query.where(
            exists().where(
                Enrolment.cohort_id == Cohort.id,
                Enrolment.user_id == User.id,
                User.department_id == user.department_id,
            )
        )
    return query.where(False)


def _in_facilitators_cohorts(viewer: User) -> ColumnElement[bool]:
    return exists().where(
        cohort_facilitators.c.user_id == viewer.id,
        cohort_facilitators.c.cohort_id == Enrolment.cohort_id,
    )


def visible_participants(viewer: User) -> Select:
    """Participants this person may look at (docs/rules.md §1.2)."""
    query = select(User).where(User.role == Role.PARTICIPANT)
    if viewer.role == Role.ADMIN:
        return query
    if viewer.role == Role.SPONSOR:
        return query.where(User.department_id == viewer.department_id)
    if viewer.role == Role.FACILITATOR:
        return query.where(exists().where(Enrolment.user_id == User.id, _in_facilitators_cohorts(viewer)))
    return query.where(User.id == viewer.id)


def visible_enrolments(viewer: User, query: Select) -> Select:
    """`query` (over enrolments joined to their users) narrowed to the enrolments this
    person may see."""
    if viewer.role == Role.SPONSOR:
        return query.where(User.department_id == viewer.department_id)
    if viewer.role == Role.FACILITATOR:
        return query.where(_in_facilitators_cohorts(viewer))
    if viewer.role == Role.PARTICIPANT:
        return query.where(Enrolment.user_id == viewer.id)
    return query
