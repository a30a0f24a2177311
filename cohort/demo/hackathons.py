"""Demo data for hackathons (`flask seed-demo`): departments' challenges, a finished first
hackathon with teams, submissions, scores and published results, and a second one still to
come with challenges on offer and two teams already formed.

Call `seed_hackathons(cohort, admin, facilitators, sponsors)` after the cohort's timetable
exists. It does not commit: the caller's transaction does.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cohort.core import audit
from cohort.domain.hackathons import teams_of
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.hackathons.service import CHALLENGE_FIELDS, _new_join_code
from cohort.models import (
    Challenge,
    ChallengeStatus,
    Cohort,
    DataSensitivity,
    Department,
    Enrolment,
    EnrolmentStatus,
    HackathonChallenge,
    HackathonJudge,
    HackathonSettings,
    Score,
    Session,
    Submission,
    Team,
    TeamMember,
    User,
)
from cohort.models.base import utcnow

# (department code, title, problem, data, sensitivity, success, contact, accepted)
CHALLENGES = [
    (
        "MOJ",
        "Reducing the Crown Court backlog",
        "Over 60,000 cases wait to be heard in the Crown Court. Listing officers decide by hand "
        "which cases to list when, with little sight of which are likely to crack or be adjourned.",
        "Two years of synthetic listings and case outcomes shaped like the real data",
        DataSensitivity.SYNTHETIC,
        "A forecast of cracked and ineffective trials that listing officers trust and can question",
        "Helen Carter, MOJ data science hub",
        True,
    ),
    (
        "DVLA",
        "Answering driving licence enquiries faster",
        "DVLA receives millions of enquiries a year, many about the same few topics. Staff spend "
        "time finding the right guidance before they can answer.",
        "Anonymised enquiry texts with their topic, and the published guidance pages",
        DataSensitivity.OFFICIAL,
        "Staff find the right guidance for an enquiry in seconds, and customers are told the same thing",
        "Gareth Evans, DVLA digital services",
        True,
    ),
    (
        "UKHSA",
        "Early warning of infectious disease outbreaks",
        "Signals of an outbreak appear in many places – lab reports, calls to NHS 111, wastewater – "
        "before cases are confirmed. Bringing them together is slow.",
        "Open wastewater surveillance data and synthetic NHS 111 call counts by area",
        DataSensitivity.OPEN,
        "An alert that would have flagged past outbreaks days earlier, with few false alarms",
        "UKHSA data science team",
        True,
    ),
    (
        "WG",
        "Matching bilingual public services to need",
        "Welsh-language services are planned with little data on where demand is.",
        "Census language data and service usage counts by local authority",
        DataSensitivity.OPEN,
        "A map planners use to decide where to offer Welsh-language services",
        "Welsh Government digital team",
        True,
    ),
    (
        "DVLA",
        "Spotting vehicle tax evasion from camera data",
        "Untaxed vehicles cost millions a year; camera sightings could point enforcement at them.",
        "Number plate sightings (OFFICIAL-SENSITIVE), only inside DVLA's environment",
        DataSensitivity.OFFICIAL_SENSITIVE,
        "Enforcement visits find more untaxed vehicles, with no one stopped on the model's word alone",
        "Gareth Evans, DVLA digital services",
        False,  # proposed by the DVLA sponsor, waiting for the programme manager
    ),
]

TEAM_NAMES = ["Docket", "Fast Lane", "Early Warning", "Listing Lab", "Sentinel", "Clear Signal"]

# Each team's marks from each of the four judges (public impact, technical quality,
# responsible AI, presentation). Hand-made so the published results show a tie:
# Early Warning 18.5, Docket 17.25, Fast Lane and Listing Lab 15 each (tied 3rd), Sentinel 13.
MARKS = [
    [(5, 4, 4, 4), (4, 4, 5, 4), (5, 4, 4, 5), (4, 5, 4, 4)],
    [(4, 4, 3, 4), (4, 3, 4, 4), (3, 4, 4, 4), (4, 4, 4, 3)],
    [(5, 5, 4, 5), (5, 4, 5, 5), (4, 5, 5, 4), (5, 5, 4, 4)],
    [(4, 3, 4, 4), (4, 4, 3, 4), (4, 4, 4, 3), (3, 4, 4, 4)],
    [(3, 4, 3, 3), (3, 3, 4, 3), (4, 3, 3, 3), (3, 3, 3, 4)],
]
COMMENTS = [
    "A clear problem, honest about what the forecast cannot do. Show listing officers sooner.",
    "Solid engineering. The bias check needs more than one split of the data.",
    "Excellent: a working alert, careful thresholds and a named person who acts on it.",
    "Good use of the data; the demo was hard to follow. Tell the story of one case.",
    "A promising start. Say who could be harmed and how you would know.",
]

PROJECTS = [
    (
        "Crack forecaster",
        "A model that flags trials likely to crack, with the reasons, for listing officers to review.",
    ),
    ("Guidance finder", "Search over DVLA guidance that suggests the right page for an enquiry."),
    ("Outbreak early warning", "Combines wastewater and NHS 111 signals into one daily alert by area."),
    ("Listing what-if", "A simulator showing how listing choices change waiting times."),
    ("Enquiry triage", "Sorts incoming enquiries by topic so the right team answers first."),
]


def _hackathons(cohort: Cohort) -> list[Session]:
    return list(
        db.session.scalars(
            select(Session)
            .where(Session.cohort_id == cohort.id, Session.kind == SessionKind.HACKATHON)
            .order_by(Session.starts_at)
        )
    )


def seed_challenges(admin: User, sponsors: list[User]) -> dict[str, Challenge]:
    departments = {d.code: d for d in db.session.scalars(select(Department))}
    sponsor_of = {s.department_id: s for s in sponsors}
    made = {}
    for code, title, problem, data, sensitivity, success, contact, accepted in CHALLENGES:
        department = departments[code]
        proposer = sponsor_of.get(department.id) if not accepted else admin
        challenge = Challenge(
            title=title,
            problem_statement=problem,
            department_id=department.id,
            data_available=data,
            data_sensitivity=sensitivity,
            success_looks_like=success,
            contact=contact,
            status=ChallengeStatus.ACCEPTED if accepted else ChallengeStatus.PROPOSED,
            proposed_by_id=(proposer or admin).id,
        )
        db.session.add(challenge)
        db.session.flush()
        if accepted:
            challenge.accepted_at = challenge.created_at
        verb = "Added" if accepted else "Proposed"
        audit.record(
            proposer or admin,
            "create",
            challenge,
            f"{verb} challenge {title}",
            after=audit.snapshot(challenge, CHALLENGE_FIELDS),
        )
        made[title] = challenge
    return made


def seed_hackathons(cohort: Cohort, admin: User, facilitators: list[User], sponsors: list[User]) -> None:
    """Challenges for MOJ, DVLA, UKHSA and WG (one DVLA proposal waiting); the cohort's first
    hackathon finished with five teams, their work, four judges' scores and published
    results; its second still to come, with challenges on offer and two teams formed."""
    hackathons = _hackathons(cohort)
    if not hackathons:
        return
    challenges = seed_challenges(admin, sponsors)
    accepted = [c for c in challenges.values() if c.accepted]
    active = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.cohort_id == cohort.id, Enrolment.status == EnrolmentStatus.ACTIVE)
            .order_by(Enrolment.id)
        )
    )
    first = hackathons[0]
    _seed_finished(first, accepted[:3], active, admin, [*facilitators, *sponsors])
    if len(hackathons) > 1:
        _seed_upcoming(hackathons[1], accepted[:2] + accepted[3:4], active, admin)


def _team(
    session: Session, name: str, challenge: Challenge | None, members: list[Enrolment], by: User, at=None
) -> Team:
    at = at or session.starts_at
    team = Team(
        session_id=session.id,
        name=name,
        challenge_id=challenge.id if challenge else None,
        join_code=_new_join_code(),
        created_by_id=by.id,
        created_at=at,
    )
    db.session.add(team)
    db.session.flush()
    for enrolment in members:
        db.session.add(
            TeamMember(team_id=team.id, session_id=session.id, enrolment_id=enrolment.id, joined_at=at)
        )
    return team


def _seed_finished(
    session: Session, offered: list[Challenge], active: list[Enrolment], admin: User, judges: list[User]
) -> None:
    db.session.add(HackathonSettings(session_id=session.id, team_size_min=3, team_size_max=6))
    for challenge in offered:
        db.session.add(HackathonChallenge(session_id=session.id, challenge_id=challenge.id))
    by_id = {e.id: e for e in active}
    groups = teams_of([(e.id, e.user.department.code if e.user.department else "") for e in active], 5)
    judges = judges[:4]
    for judge in judges:
        db.session.add(
            HackathonJudge(
                session_id=session.id, user_id=judge.id, invited_by_id=admin.id, invited_at=session.starts_at
            )
        )
    for number, group in enumerate(groups):
        challenge = offered[number % len(offered)]
        team = _team(session, TEAM_NAMES[number], challenge, [by_id[i] for i in group], admin)
        title, summary = PROJECTS[number % len(PROJECTS)]
        handed_in = session.ends_at - timedelta(minutes=30 + 10 * number)
        submission = Submission(
            team_id=team.id,
            title=title,
            summary=summary,
            repository_link=f"https://github.com/example-accelerator/{title.lower().replace(' ', '-')}",
            demo_link=f"https://demo.example.gov.uk/{title.lower().replace(' ', '-')}"
            if number % 2 == 0
            else None,
            data_used=f"{challenge.data_available}.",
            who_could_be_harmed="People whose cases or requests are handled differently because of the model, "
            "especially where the data under-represents them.",
            bias_checked="Compared error rates across regions and groups in the test data; documented the gaps.",
            human_decides="Every decision that affects a person: the model only suggests, with its reasons.",
            late=False,
            submitted_by_id=by_id[group[0]].user_id,
            submitted_at=handed_in,
            updated_at=handed_in,
        )
        db.session.add(submission)
        db.session.flush()
        for judge_number, judge in enumerate(judges):
            marks = MARKS[number % len(MARKS)][judge_number % 4]
            db.session.add(
                Score(
                    submission_id=submission.id,
                    judge_id=judge.id,
                    public_impact=marks[0],
                    technical_quality=marks[1],
                    responsible_ai=marks[2],
                    presentation=marks[3],
                    comment=COMMENTS[number % len(COMMENTS)] if judge_number == 0 else None,
                    scored_at=session.ends_at + timedelta(hours=1),
                )
            )
    settings = db.session.get(HackathonSettings, session.id)
    assert settings is not None  # added at the top of this function
    settings.results_published_at = session.ends_at + timedelta(days=1)
    settings.results_published_by_id = admin.id
    db.session.flush()
    audit.record(admin, "publish", settings, f"Published the results of {session.title}")


def _seed_upcoming(session: Session, offered: list[Challenge], active: list[Enrolment], admin: User) -> None:
    db.session.add(HackathonSettings(session_id=session.id, team_size_min=2, team_size_max=5))
    for challenge in offered:
        db.session.add(HackathonChallenge(session_id=session.id, challenge_id=challenge.id))
    # Two teams already formed by participants; everyone else (the demo participant
    # included) is still free to create or join one.
    now = utcnow()
    _team(session, "Backlog Breakers", offered[0], active[1:4], active[1].user, now)
    _team(session, "Signal and Noise", offered[-1], active[4:6], active[4].user, now)
    db.session.flush()
