"""Work handed in, judges, scores and published results.

Each change takes the hackathon's session row lock first (common._lock) and reads the record it
changes again under it, so its audit "before" is the row as it is
(docs/decisions/0004-optimistic-edits-and-limits.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.core import audit
from cohort.domain import hackathons as rules
from cohort.extensions import db
from cohort.models import (
    HackathonJudge,
    HackathonSettings,
    Role,
    Score,
    Session,
    Submission,
    Team,
    User,
)
from cohort.models.base import utcnow
from cohort.models.hackathons import CRITERIA

from .common import (
    HackathonError,
    _check_cohort_open,
    _fail,
    _lock,
    deadline_of,
    is_judge,
    member_user_ids,
    settings_for,
)

SUBMISSION_FIELDS = (
    "title",
    "summary",
    "repository_link",
    "demo_link",
    "data_used",
    "who_could_be_harmed",
    "bias_checked",
    "human_decides",
    "late",
)
SCORE_FIELDS = (*CRITERIA, "comment")


# Submissions -----------------------------------------------------------------------------


@dataclass
class SubmissionDetails:
    title: str
    summary: str
    repository_link: str | None
    demo_link: str | None
    data_used: str
    who_could_be_harmed: str
    bias_checked: str
    human_decides: str


def save_submission(
    actor: User, team: Team, details: SubmissionDetails, now: datetime | None = None
) -> Submission:
    """Hand in or change the team's work. Editable until the deadline; after it, a team
    with nothing handed in may still submit once, marked late."""
    now = now or utcnow()
    session = _lock(team.session)
    _check_cohort_open(session)
    if session.cancelled:
        _fail(f"{session.title} is cancelled")
    deadline = deadline_of(session, settings_for(session, fresh=True))
    submission = db.session.scalar(
        select(Submission)
        .where(Submission.team_id == team.id)
        .execution_options(populate_existing=True)  # as it is now, not as the page loaded it
    )
    if submission is not None and rules.is_late(now, deadline):
        _fail("The deadline has passed: the submission can no longer be changed")
    before = audit.snapshot(submission, SUBMISSION_FIELDS) if submission is not None else None
    if submission is None:
        submission = Submission(team_id=team.id, submitted_at=now, late=rules.is_late(now, deadline))
        submission.submitted_by_id = actor.id
        db.session.add(submission)
    for name in SUBMISSION_FIELDS[:-1]:
        value = getattr(details, name)
        setattr(submission, name, value.strip() if isinstance(value, str) and value.strip() else None)
    submission.updated_at = now
    try:
        db.session.flush()
    except IntegrityError:
        _fail("Someone in your team handed in at the same moment: check the submission and try again")
    after = audit.snapshot(submission, SUBMISSION_FIELDS)
    if before is None:
        late = " (late)" if submission.late else ""
        audit.record(
            actor, "create", submission, f"Team {team.name} handed in {submission.title}{late}", after=after
        )
    else:
        audit.record(
            actor,
            "update",
            submission,
            f"Team {team.name} changed {submission.title}",
            before=before,
            after=after,
        )
    db.session.commit()
    return submission


# Judging ---------------------------------------------------------------------------------


def judge_choices(session: Session) -> list[User]:
    """Facilitators and sponsors who could judge, not yet invited."""
    invited = select(HackathonJudge.user_id).where(HackathonJudge.session_id == session.id)
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_((Role.FACILITATOR, Role.SPONSOR)),
                User.is_active_account.is_(True),
                User.id.not_in(invited),
            )
            .order_by(User.full_name)
        )
    )


def invite_judge(actor: User, session: Session, user: User) -> None:
    if user.role not in (Role.FACILITATOR, Role.SPONSOR) or not user.is_active_account:
        _fail("Judges are facilitators or department sponsors with an active account", "user")
    _lock(session)
    _check_cohort_open(session)
    if is_judge(session, user):
        _fail(f"{user.full_name} is already a judge of this hackathon", "user")
    judge = HackathonJudge(session_id=session.id, user_id=user.id, invited_by_id=actor.id)
    db.session.add(judge)
    db.session.flush()
    audit.record(
        actor,
        "create",
        judge,
        f"Invited {user.full_name} to judge {session.title}",
        after={"user_id": user.id},
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise HackathonError(f"{user.full_name} is already a judge of this hackathon", "user") from None


def remove_judge(actor: User, judge: HackathonJudge) -> None:
    """Removing a judge keeps their scores on record but out of the results."""
    judge_id, name = judge.id, judge.user.full_name
    # The judge's hackathon: the foreign key keeps it there.
    session = _lock(cast(Session, db.session.get(Session, judge.session_id)))
    _check_cohort_open(session)
    current = db.session.scalar(
        select(HackathonJudge).where(HackathonJudge.id == judge_id).execution_options(populate_existing=True)
    )
    if current is None:  # removed by someone else a moment ago
        _fail(f"{name} is no longer a judge of this hackathon")
    audit.record(
        actor,
        "delete",
        current,
        f"Removed {current.user.full_name} as a judge",
        before={"user_id": current.user_id},
    )
    db.session.delete(current)
    db.session.commit()


def save_score(actor: User, submission: Submission, marks: dict[str, int], comment: str | None) -> Score:
    team = submission.team
    session = _lock(team.session)
    _check_cohort_open(session)
    if not is_judge(session, actor):
        _fail("Only the judges of this hackathon can score its submissions")
    if actor.id in member_user_ids(team):
        _fail("You cannot score a team you are a member of")
    if settings_for(session, fresh=True).results_published:
        _fail("The results are published: scores can no longer change")
    for name in CRITERIA:
        if not rules.is_score(marks.get(name)):
            _fail("Each score must be a whole number from 1 to 5", name)
    score = db.session.scalar(
        select(Score)
        .where(Score.submission_id == submission.id, Score.judge_id == actor.id)
        .execution_options(populate_existing=True)
    )
    before = audit.snapshot(score, SCORE_FIELDS) if score is not None else None
    if score is None:
        score = Score(submission_id=submission.id, judge_id=actor.id)
        db.session.add(score)
    for name in CRITERIA:
        setattr(score, name, marks[name])
    score.comment = (comment or "").strip() or None
    score.scored_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:
        _fail("You scored this submission in another window at the same moment: check your scores")
    after = audit.snapshot(score, SCORE_FIELDS)
    audit.record(
        actor,
        "create" if before is None else "update",
        score,
        f"{actor.full_name} scored {submission.title} (team {team.name})",
        before=before,
        after=after,
    )
    db.session.commit()
    return score


def set_published(actor: User, session: Session, published: bool) -> None:
    _lock(session)
    _check_cohort_open(session)
    settings = db.session.get(HackathonSettings, session.id, populate_existing=True)
    if settings is None:
        settings = HackathonSettings(session_id=session.id)
        db.session.add(settings)
    if published and settings.results_published:
        _fail("The results are already published")
    if not published and not settings.results_published:
        _fail("The results are not published")
    settings.results_published_at = utcnow() if published else None
    settings.results_published_by_id = actor.id if published else None
    db.session.flush()
    audit.record(
        actor,
        "publish" if published else "unpublish",
        settings,
        f"{'Published' if published else 'Withdrew'} the results of {session.title}",
    )
    if published:
        from cohort.hackathons.messages import results_published  # that package imports this one

        results_published(session)  # the cohort's participants, once per hackathon
    db.session.commit()
