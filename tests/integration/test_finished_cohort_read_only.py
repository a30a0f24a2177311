"""A finished (or archived) cohort is read-only (docs/rules.md §2.3): its sessions, attendance, skills,
learning logs and hackathons are refused through the web routes with a message naming the
cohort, and nothing is written; outcome corrections still work.

Every change is tried three ways against the same set-up: on the running cohort (the control:
the request is a good one and is saved, audited), then with the cohort finished or archived
(refused, every table as it was)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cohort.attendance import service as attendance
from cohort.core.closed import closed_notice, closed_reason
from cohort.domain.schedule import SessionKind
from cohort.domain.times import in_london, london_date
from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, CohortStatus, EnrolmentStatus, Role, Session
from cohort.models.base import utcnow
from tests import factories as f
from tests.sessions import make_session

MARKS = {"public_impact": "4", "technical_quality": "3", "responsible_ai": "5", "presentation": "2"}
SUBMISSION = {
    "title": "Backlog forecaster v2",
    "summary": "Forecasts which Crown Court cases will wait longest.",
    "repository_link": "https://github.com/example/backlog",
    "demo_link": "",
    "data_used": "Synthetic case records",
    "who_could_be_harmed": "Defendants whose cases are delayed",
    "bias_checked": "Compared error rates by region",
    "human_decides": "Every listing decision",
}


def dmy(day) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


# Signing each person in (a session per browser) is the test's doing, not the refused request's.
SIGN_IN_TABLES = {"user_sessions"}


def everything() -> dict[str, list]:
    """Every row of every table, to show that a refused request wrote nothing."""
    return {
        table.name: list(db.session.execute(select(table).order_by(*table.primary_key.columns)))
        for table in db.metadata.sorted_tables
        if table.name not in SIGN_IN_TABLES
    }


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id))) or 0


def _has(x) -> str:
    """How many sessions (not cancelled) the cohort's timetable page shows."""
    return str(
        db.session.scalar(
            select(func.count(Session.id))
            .join(Cohort, Cohort.id == Session.cohort_id)
            .where(Cohort.slug == x.slug, Session.cancelled_at.is_(None))
        )
    )


@dataclass
class Fx:
    slug: str
    name: str
    me: int  # the participant's enrolment
    other: int  # the other participant's enrolment
    future: object
    past: object
    running: object  # on now, with a check-in open
    live: object  # on now, no check-in
    cancelled: object
    code: str
    skill: int
    entry: int
    hackathon: int
    challenge: int
    alpha: object
    submission: int
    judge: int
    other_cohort_id: int
    sponsor_id: int

    def hack(self, rest: str = "") -> str:
        return f"/cohorts/{self.slug}/hackathons/{self.hackathon}{rest}"

    def session(self, session, rest: str = "") -> str:
        return f"/cohorts/{self.slug}/sessions/{session.id}{rest}"


def _now_to(session, now, *, started: timedelta, lasts: timedelta) -> None:
    session.starts_at, session.ends_at = now - started, now - started + lasts


@pytest.fixture
def fx(world) -> Fx:
    """The world's cohort, started three weeks ago: sessions past, on now, to come and cancelled;
    an open check-in; a skill with a baseline assessment; a learning log entry; a hackathon on
    now with team Alpha (the participant) that has handed in, the facilitator judging."""
    now = utcnow()
    today = london_date(now)
    cohort = world.cohort
    cohort.start_date = today - timedelta(days=today.weekday() + 21)
    me = f.enrolment_of(cohort, world.participant)
    other = f.enrolment_of(cohort, world.other_participant)
    me.enrolled_on = other.enrolled_on = cohort.start_date
    f.enrol(cohort, f.make_user(Role.PARTICIPANT, world.dvla, full_name="Tom Third"))

    future = make_session(cohort, today + timedelta(days=2), title="Workshop: Later")
    past = make_session(cohort, today - timedelta(days=1), kind=SessionKind.ETHICS, title="Ethics: Bias")
    running = make_session(cohort, today, title="Workshop: Now")
    live = make_session(cohort, today, title="Workshop: Also now")
    for session in (running, live):
        _now_to(session, now, started=timedelta(hours=1), lasts=timedelta(hours=3))
    cancelled = make_session(cohort, today + timedelta(days=3), title="Workshop: Called off")
    cancelled.cancelled_at, cancelled.cancellation_reason = now, "Trainer ill"

    skill = f.make_skill("Python and software engineering")
    f.assess_skill(cohort, skill, 3)
    f.make_assessment(me, skill, 1, by=world.facilitator)
    f.assess_skill(world.other_cohort, skill, 2)
    f.assess_skill(world.other_cohort, f.make_skill("Data ethics"), 3)
    entry = f.make_log_entry(me, on=today - timedelta(days=1))

    challenge = f.make_challenge(world.moj, "Reducing the Crown Court backlog")
    hackathon = f.make_hackathon(cohort, days_from_today=0, challenges=[challenge], title="Hackathon 1")
    _now_to(hackathon, now, started=timedelta(hours=1), lasts=timedelta(hours=4))
    alpha = f.make_team(hackathon, [world.participant], name="Alpha", challenge=challenge)
    submission = f.make_submission(alpha, "Backlog forecaster")
    judge = f.make_judge(hackathon, world.facilitator)
    db.session.commit()
    check_in = attendance.open_check_in(world.facilitator, running, 60, 10)
    return Fx(
        slug=cohort.slug,
        name=cohort.name,
        me=me.id,
        other=other.id,
        future=future,
        past=past,
        running=running,
        live=live,
        cancelled=cancelled,
        code=check_in.code,
        skill=skill.id,
        entry=entry.id,
        hackathon=hackathon.id,
        challenge=challenge.id,
        alpha=alpha,
        submission=submission.id,
        judge=judge.id,
        other_cohort_id=world.other_cohort.id,
        sponsor_id=world.sponsor.id,
    )


def session_form(session, **changes) -> dict:
    start, end = in_london(session.starts_at), in_london(session.ends_at)
    data = {
        "kind": "workshop",
        "title": session.title,
        "description": "",
        "day": dmy(start.date()),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "location": "102 Petty France",
        "online_link": "",
        "facilitator": "",
        "mandatory": "no",
        "confirm": "y",
    }
    data.update(changes)
    return data


# (id, who, what can no longer change, how the route refuses, request) -------------------------
# "page": the form comes back with the message (400); "flash": a redirect, then the message.

CHANGES = [
    (
        "add-session",
        "admin",
        "its sessions",
        "page",
        lambda x: (f"/cohorts/{x.slug}/schedule/new", session_form(x.future, title="Extra workshop")),
    ),
    (
        "change-session",
        "admin",
        "its sessions",
        "page",
        lambda x: (x.session(x.future, "/edit"), session_form(x.future, title="Renamed")),
    ),
    (
        "cancel-session",
        "admin",
        "its sessions",
        "page",
        lambda x: (x.session(x.future, "/cancel"), {"reason": "Trainer ill"}),
    ),
    (
        "reinstate-session",
        "admin",
        "its sessions",
        "flash",
        lambda x: (x.session(x.cancelled, "/reinstate"), {}),
    ),
    (
        "standard-programme",
        "admin",
        "its sessions",
        "flash",
        # Both confirmations: past the last week, and beside the sessions it has (docs/rules.md §2.3).
        lambda x: (
            f"/cohorts/{x.slug}/schedule/standard",
            {"confirm": "y", "add_beside": "y", "existing": _has(x)},
        ),
    ),
    (
        "save-register",
        "facilitator",
        "its attendance",
        "page",
        lambda x: (x.session(x.running, "/register"), {"save": "y", f"mark-{x.me}": "present"}),
    ),
    (
        "open-check-in",
        "facilitator",
        "its attendance",
        "page",
        lambda x: (x.session(x.live, "/check-in"), {"minutes": "15", "late_after_minutes": "10"}),
    ),
    (
        "close-check-in",
        "facilitator",
        "its attendance",
        "flash",
        lambda x: (x.session(x.running, "/check-in/close"), {}),
    ),
    ("check-in", "participant", "its attendance", "page", lambda x: ("/check-in", {"code": x.code})),
    (
        "catch-up",
        "facilitator",
        "its attendance",
        "page",
        lambda x: (
            f"/cohorts/{x.slug}/attendance/{x.me}/catch-up/{x.past.id}",
            {"what_was_done": "Watched the recording", "completed_on": dmy(london_date(utcnow()))},
        ),
    ),
    (
        "assessment-grid",
        "facilitator",
        "its assessments",
        "page",
        lambda x: (f"/cohorts/{x.slug}/assessments/baseline", {f"level-{x.me}-{x.skill}": "2"}),
    ),
    (
        "assess-one",
        "facilitator",
        "its assessments",
        "page",
        lambda x: (
            f"/cohorts/{x.slug}/assessments/midpoint/{x.me}",
            {f"level-{x.me}-{x.skill}": "2", f"evidence-{x.me}-{x.skill}": "Built the pipeline"},
        ),
    ),
    (
        "self-assessment",
        "participant",
        "its assessments",
        "page",
        lambda x: ("/my-progress/self-assessment/baseline", {f"level-{x.me}-{x.skill}": "2"}),
    ),
    (
        "cohort-skills",
        "admin",
        "its skills and targets",
        "page",
        lambda x: (f"/cohorts/{x.slug}/skills", {f"skill-{x.skill}": "yes", f"target-{x.skill}": "4"}),
    ),
    (
        "copy-skills",
        "admin",
        "its skills and targets",
        "page",
        lambda x: (f"/cohorts/{x.slug}/skills/copy", {"copy-source": str(x.other_cohort_id)}),
    ),
    (
        "add-log-entry",
        "participant",
        "its learning logs",
        "page",
        lambda x: (
            "/my-learning-log/new",
            {"entry_date": dmy(london_date(utcnow())), "activity": "Read about feature stores", "hours": "1"},
        ),
    ),
    (
        "change-log-entry",
        "participant",
        "its learning logs",
        "page",
        lambda x: (
            f"/my-learning-log/{x.entry}/edit",
            {"entry_date": dmy(london_date(utcnow())), "activity": "Read about vector stores", "hours": "2"},
        ),
    ),
    (
        "comment-on-log",
        "facilitator",
        "its learning logs",
        "page",
        lambda x: (
            f"/cohorts/{x.slug}/learning-log/{x.me}",
            {"entry_id": str(x.entry), f"entry-{x.entry}-body": "Good reflection"},
        ),
    ),
    (
        "hackathon-settings",
        "admin",
        "its hackathons",
        "page",
        lambda x: (
            x.hack("/settings"),
            {
                "team_size_min": "2",
                "team_size_max": "5",
                "deadline_date": ["", "", ""],
                "deadline_time": "",
                "challenges": [str(x.challenge)],
            },
        ),
    ),
    (
        "create-team",
        "other_participant",
        "its hackathons",
        "page",
        lambda x: (x.hack("/teams/new"), {"name": "Beta", "challenge": ""}),
    ),
    (
        "join-team",
        "other_participant",
        "its hackathons",
        "page",
        lambda x: (x.hack("/teams/join"), {"code": x.alpha.join_code}),
    ),
    (
        "leave-team",
        "participant",
        "its hackathons",
        "flash",
        lambda x: (x.hack(f"/teams/{x.alpha.id}/leave"), {}),
    ),
    (
        "add-member",
        "facilitator",
        "its hackathons",
        "page",
        lambda x: (x.hack(f"/teams/{x.alpha.id}/members"), {f"team-{x.alpha.id}-enrolment": str(x.other)}),
    ),
    (
        "remove-member",
        "facilitator",
        "its hackathons",
        "flash",
        lambda x: (x.hack(f"/teams/{x.alpha.id}/members/{x.me}/remove"), {}),
    ),
    (
        "auto-form-teams",
        "facilitator",
        "its hackathons",
        "page",
        lambda x: (x.hack("/teams/auto"), {"size": "2"}),
    ),
    (
        "submission",
        "participant",
        "its hackathons",
        "page",
        lambda x: (x.hack(f"/teams/{x.alpha.id}/submission"), SUBMISSION),
    ),
    (
        "invite-judge",
        "admin",
        "its hackathons",
        "page",
        lambda x: (x.hack("/judges"), {"user": str(x.sponsor_id)}),
    ),
    ("remove-judge", "admin", "its hackathons", "flash", lambda x: (x.hack(f"/judges/{x.judge}/remove"), {})),
    (
        "score",
        "facilitator",
        "its hackathons",
        "page",
        lambda x: (x.hack(f"/submissions/{x.submission}/score"), MARKS),
    ),
    ("publish-results", "admin", "its hackathons", "flash", lambda x: (x.hack("/results/publish"), {})),
]


@pytest.mark.parametrize("status", [CohortStatus.RUNNING, CohortStatus.FINISHED, CohortStatus.ARCHIVED])
@pytest.mark.parametrize(
    ("who", "what", "refusal", "request_for"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_changes_to_a_closed_cohort_are_refused(
    client, world, sign_in, fx, status, who, what, refusal, request_for
):
    world.cohort.status = status
    db.session.commit()
    url, data = request_for(fx)
    sign_in(getattr(world, who))
    before, events = everything(), audit_count()

    response = client.post(url, data=data)

    if status == CohortStatus.RUNNING:  # the control: a good request, saved and audited
        assert response.status_code == 302, response.text[:2000]
        assert audit_count() > events
        return
    message = f"{fx.name} is {status.value}: {what} can no longer change"
    if refusal == "page":
        assert response.status_code == 400
        assert message in response.text
    else:
        assert response.status_code == 302
        assert message in client.get(response.headers["Location"]).text
    assert everything() == before


# A cohort finished the real way -------------------------------------------------------------


@pytest.fixture
def finished(world):
    """The world's cohort, over: an ethics session Zoë missed, a hackathon where team Alpha
    (Siân) handed in, a skill, a learning log entry; then finished by the programme manager."""
    from cohort.completion.service import finish

    today = london_date(utcnow())
    cohort = world.cohort
    cohort.start_date = today - timedelta(days=today.weekday() + 14 * 7)
    for user in (world.participant, world.other_participant):
        f.enrolment_of(cohort, user).enrolled_on = cohort.start_date
    ethics = make_session(cohort, cohort.start_date + timedelta(days=8), kind=SessionKind.ETHICS)
    hackathon = f.make_hackathon(cohort, days_from_today=(cohort.start_date - today).days + 22)
    alpha = f.make_team(hackathon, [world.participant], name="Alpha")
    f.make_submission(alpha, at=hackathon.starts_at)
    f.make_judge(hackathon, world.facilitator)
    skill = f.make_skill("Python and software engineering")
    f.assess_skill(cohort, skill, 1)
    me = f.enrolment_of(cohort, world.participant)
    entry = f.make_log_entry(me)
    db.session.commit()
    finish(world.admin, cohort, utcnow())
    assert cohort.status == CohortStatus.FINISHED
    return {"cohort": cohort, "ethics": ethics, "hackathon": hackathon, "skill": skill, "entry": entry}


def test_a_finished_cohort_shows_why_and_offers_no_changes(client, world, sign_in, finished):
    cohort, ethics, hackathon = finished["cohort"], finished["ethics"], finished["hackathon"]
    base = f"/cohorts/{cohort.slug}"
    pages = [
        ("admin", f"{base}/schedule", "its sessions", ["Add a session", "Apply the standard programme"]),
        ("admin", f"{base}/sessions/{ethics.id}", "its sessions and attendance", ["Change the session"]),
        ("facilitator", f"{base}/sessions/{ethics.id}/register", "its attendance", ["Save register"]),
        ("facilitator", f"{base}/assessments/baseline", "its assessments", ["Save assessments"]),
        ("admin", f"{base}/skills", "its skills and targets", ["Save skills and targets"]),
        ("admin", f"{base}/hackathons/{hackathon.id}", "its hackathons", []),
        ("facilitator", f"{base}/hackathons/{hackathon.id}/teams", "its hackathons", ["Create a team"]),
        ("admin", f"{base}/hackathons/{hackathon.id}/settings", "its hackathons", ["Save settings"]),
        ("admin", f"{base}/hackathons/{hackathon.id}/judges", "its hackathons", ["Invite a judge"]),
        ("admin", f"{base}/hackathons/{hackathon.id}/results", "its hackathons", ["Publish the results"]),
    ]
    for who, url, what, hidden in pages:
        sign_in(getattr(world, who))
        page = client.get(url)
        assert page.status_code == 200, url
        assert f"This cohort is finished: {what} can no longer change." in page.text, url
        for text in hidden:
            assert text not in page.text, (url, text)
    sign_in(world.participant)
    assert "its learning logs can no longer change" in client.get("/my-learning-log").text
    assert "Add an entry" not in client.get("/my-learning-log").text


def test_a_finished_cohort_refuses_changes_and_writes_nothing(client, world, sign_in, finished):
    cohort, ethics, hackathon = finished["cohort"], finished["ethics"], finished["hackathon"]
    base = f"/cohorts/{cohort.slug}"
    zoë = f.enrolment_of(cohort, world.other_participant)
    entry = finished["entry"]
    today = dmy(london_date(utcnow()))
    changes = [
        ("admin", f"{base}/schedule/new", session_form(ethics, title="One more"), "its sessions", 400),
        ("admin", f"{base}/sessions/{ethics.id}/cancel", {"reason": "Tidying up"}, "its sessions", 400),
        ("facilitator", f"{base}/sessions/{ethics.id}/register", {"save": "y"}, "its attendance", 400),
        (
            "facilitator",
            f"{base}/attendance/{zoë.id}/catch-up/{ethics.id}",
            {"what_was_done": "Watched the recording", "completed_on": today},
            "its attendance",
            400,
        ),
        (
            "admin",
            f"{base}/skills",
            {f"skill-{finished['skill'].id}": "yes", f"target-{finished['skill'].id}": "4"},
            "its skills and targets",
            400,
        ),
        (
            "facilitator",
            f"{base}/learning-log/{entry.enrolment_id}",
            {"entry_id": str(entry.id), f"entry-{entry.id}-body": "Well done"},
            "its learning logs",
            400,
        ),
        (
            "participant",
            "/my-learning-log/new",
            {"entry_date": today, "activity": "Kept learning", "hours": "1"},
            "its learning logs",
            400,
        ),
        (
            "admin",
            f"{base}/hackathons/{hackathon.id}/judges",
            {"user": str(world.sponsor.id)},
            "its hackathons",
            400,
        ),
        ("admin", f"{base}/hackathons/{hackathon.id}/results/publish", {}, "its hackathons", 302),
    ]
    before = everything()
    for who, url, data, what, status in changes:
        sign_in(getattr(world, who))
        response = client.post(url, data=data)
        assert response.status_code == status, url
        text = response.text if status == 400 else client.get(response.headers["Location"]).text
        assert f"{cohort.name} is finished: {what} can no longer change" in text, url
    assert everything() == before


def test_an_outcome_correction_on_a_finished_cohort_still_works(client, world, sign_in, finished):
    cohort = finished["cohort"]
    zoë = f.enrolment_of(cohort, world.other_participant)
    assert zoë.status == EnrolmentStatus.NOT_COMPLETED  # missed the ethics session, no catch-up
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{cohort.slug}/outcomes/{zoë.id}/override",
        data={"outcome": "completed", "reason": "She caught up with the facilitator; not recorded in time"},
    )
    assert response.status_code == 302
    db.session.refresh(zoë)
    assert zoë.status == EnrolmentStatus.COMPLETED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "correct outcome"))
    assert event.before["status"] == "not_completed" and event.after["status"] == "completed"


def test_the_wording_lives_in_one_place(world):
    cohort = f.make_cohort("AI Accelerator — Pilot", status=CohortStatus.FINISHED)
    assert (
        closed_reason(cohort, "its sessions")
        == "AI Accelerator — Pilot cohort is finished: its sessions can no longer change"
    )
    assert (
        closed_notice(cohort, "its sessions") == "This cohort is finished: its sessions can no longer change."
    )
    assert closed_reason(world.cohort, "its sessions") is None and closed_notice(world.cohort, "x") is None
    world.cohort.status = CohortStatus.ARCHIVED
    assert closed_reason(world.cohort, "its hackathons", lock=True) == (
        "AI Accelerator — Cohort 1 is archived: its hackathons can no longer change"
    )
