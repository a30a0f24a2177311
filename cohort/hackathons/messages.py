"""E-mails about hackathons (docs/messages.md, "At risk, certificates, reports ready, hackathons").

- `team_joined`: when someone joins a team or is put into one, to the team's other members, and
  to the person themselves when someone else put them in;
- `hackathon_results`: when the results are published, to each active participant of the cohort.

Both are queued by the hackathon services (cohort/hackathons/service) in the transaction of the
change, so a refused or rolled-back change sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from cohort.extensions import db
from cohort.messages.links import service_url
from cohort.messages.outbox import queue_message
from cohort.models import Enrolment, EnrolmentStatus, Session, Team, TeamMember, User


def _members(team: Team) -> list[Enrolment]:
    """The team's members as the database has them now (this transaction's additions included)."""
    return list(
        db.session.scalars(
            select(Enrolment)
            .options(joinedload(Enrolment.user))
            .join(TeamMember, TeamMember.enrolment_id == Enrolment.id)
            .join(User, User.id == Enrolment.user_id)
            .where(TeamMember.team_id == team.id)
            .order_by(User.full_name, Enrolment.id)
        )
    )


def _team_context(session: Session, team: Team, members: Sequence[Enrolment]) -> dict:
    return {
        "team_name": team.name,
        "hackathon_title": session.title,
        "cohort_name": session.cohort.name,
        "members": [m.user.full_name for m in members],
        "link": service_url("hackathons.show_hackathon", slug=session.cohort.slug, hackathon_id=session.id),
    }


def _queue(recipient: User, team: Team, joined: Enrolment, context: dict) -> int:
    # One occasion per new member: the key is the team, the person who joined and the recipient,
    # so someone who leaves and comes back does not set off the same e-mails again.
    message = queue_message(
        "team_joined", recipient, about=f"team:{team.id}", occasion=str(joined.id), context=context
    )
    return message is not None


def team_joined(actor: User, session: Session, team: Team, joined: Enrolment) -> int:
    """One person joined (by code) or was put in (by staff): tell the team's other members, and the
    person when it was not their own doing. Returns how many were queued."""
    members = _members(team)
    context = _team_context(session, team, members)
    sent = 0
    if actor.id != joined.user_id:
        sent += _queue(joined.user, team, joined, {**context, "you_joined": "yes", "joiner": ""})
    for member in members:
        if member.id != joined.id:
            sent += _queue(
                member.user, team, joined, {**context, "you_joined": "", "joiner": joined.user.full_name}
            )
    return sent


def team_formed(session: Session, team: Team) -> int:
    """A team formed by staff with everyone in it at once: each member gets one e-mail naming the
    others, rather than one for each member added."""
    members = _members(team)
    context = _team_context(session, team, members)
    return sum(
        _queue(member.user, team, member, {**context, "you_joined": "yes", "joiner": ""})
        for member in members
    )


def results_published(session: Session) -> int:
    """Tell each active participant of the hackathon's cohort that its results are out (once per
    hackathon: withdrawing the results and publishing them again sends nothing more)."""
    people = db.session.scalars(
        select(User)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.cohort_id == session.cohort_id, Enrolment.status == EnrolmentStatus.ACTIVE)
        .order_by(User.id)
    ).all()
    context = {
        "hackathon_title": session.title,
        "cohort_name": session.cohort.name,
        "link": service_url("hackathons.results", slug=session.cohort.slug, hackathon_id=session.id),
    }
    return sum(
        queue_message("hackathon_results", person, about=f"hackathon:{session.id}", context=context)
        is not None
        for person in people
    )
