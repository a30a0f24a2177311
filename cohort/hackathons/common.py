"""What the hackathon pages share: finding a hackathon, team or record in the person's scope,
who they are in it, and the context every hackathon page shows."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from cohort.auth.access import cohort_for, refuse
from cohort.core.closed import closed_notice
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.hackathons import service
from cohort.lookups import found_or_404
from cohort.models import Cohort, Enrolment, Session, Team
from cohort.models.base import utcnow
from cohort.policy import is_participant, may_manage_cohort


def hackathon_in(slug: str, hackathon_id: int) -> tuple[Cohort, Session]:
    cohort = cohort_for(current_user, slug)
    session = found_or_404(Session, hackathon_id, cohort_id=cohort.id, kind=SessionKind.HACKATHON)
    return cohort, session


def require_staff(cohort: Cohort) -> None:
    if not may_manage_cohort(current_user, cohort):
        refuse(403, "not staff of this cohort")


def my_enrolment(cohort: Cohort) -> Enrolment | None:
    if not is_participant(current_user):
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == current_user.id)
    )


def page_context(cohort: Cohort, session: Session) -> dict:
    settings = service.settings_for(session)
    return {
        "cohort": cohort,
        "hackathon": session,
        "settings": settings,
        "deadline": service.deadline_of(session, settings),
        "ended": service.has_ended(session),
        "is_staff": may_manage_cohort(current_user, cohort),
        "is_judge": service.is_judge(session, current_user),
        "now": utcnow(),
        "closed": closed_notice(cohort, "its hackathons"),
    }


def challenge_choices(session: Session, field) -> None:
    field.choices = [("", "Not chosen yet")] + [
        (str(c.id), c.title) for c in service.offered_challenges(session)
    ]


def chosen_challenge(field) -> int | None:
    return int(field.data) if field.data else None


def team_in(session: Session, team_id: int) -> Team:
    team = found_or_404(Team, team_id)
    if team.session_id != session.id:
        refuse(404, f"team {team_id} not in hackathon {session.id}")
    return team
