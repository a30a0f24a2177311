"""The hackathons a participant took part in, for the completion rules (docs/rules.md §5.8)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from cohort.domain import hackathons as rules
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import Enrolment, Session, Submission, TeamMember


def hackathons_taken(enrolment: Enrolment) -> list[rules.HackathonTaken]:
    """Every hackathon of the enrolment's cohort, from this enrolment's point of view, for
    `rules.hackathon_checks` / `rules.require_hackathon_holds`. Three queries in all."""
    sessions = list(
        db.session.scalars(
            select(Session).where(
                Session.cohort_id == enrolment.cohort_id, Session.kind == SessionKind.HACKATHON
            )
        )
    )
    teams = dict(
        db.session.execute(
            select(TeamMember.session_id, TeamMember.team_id).where(TeamMember.enrolment_id == enrolment.id)
        ).all()
    )
    # Looked up by the team the enrolment has in each hackathon, or None: no team, not found.
    late_by_team: dict[int | None, bool] = dict(
        db.session.execute(
            select(Submission.team_id, Submission.late).where(Submission.team_id.in_(list(teams.values())))
        ).all()
    )
    return [
        rules.HackathonTaken(
            title=s.title,
            ends_at=s.ends_at,
            cancelled=s.cancelled,
            in_team=s.id in teams,
            submitted=teams.get(s.id) in late_by_team,
            late=bool(late_by_team.get(teams.get(s.id))),
        )
        for s in sessions
    ]


def entries_for_completion(cohort, enrolment_ids: Sequence[int]) -> dict[int, dict[int, object]]:
    """For the completion rules (docs/rules.md §5.8; registered as
    app.extensions["cohort.hackathon_entries"]): enrolment id → hackathon session id →
    HackathonEntry, for people in a team; someone in no team in a hackathon is missing from its
    map. Two queries, whatever the cohort's size."""
    from cohort.domain.completion import HackathonEntry

    ids = list(enrolment_ids)
    found: dict[int, dict[int, object]] = {}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(TeamMember.enrolment_id, TeamMember.session_id, Submission.late, Submission.id)
            .join(Session, Session.id == TeamMember.session_id)
            .outerjoin(Submission, Submission.team_id == TeamMember.team_id)
            .where(
                Session.cohort_id == cohort.id,
                Session.kind == SessionKind.HACKATHON,
                TeamMember.enrolment_id.in_(ids[start : start + 500]),
            )
        ).all()
        for enrolment_id, session_id, late, submission_id in rows:
            found.setdefault(enrolment_id, {})[session_id] = HackathonEntry.of_team(
                submission_id is not None, bool(late)
            )
    return found
