"""Many people saving at once, against the database of the run (SQLite, or PostgreSQL when
TEST_DATABASE_URL is set): docs/decisions/0004-optimistic-edits-and-limits.md.

8 threads × 50 writes, each thread with its own test clients (a programme manager and a
participant), taking turns at: enrolling into, withdrawing from and reinstating in a cohort of 5
places (and importing two people at once), joining and leaving a team of at most 3, and saving a
cohort's details, its completion rules and a session from a page opened just before (a fresh
version; someone else may save in between).

What must hold: no server error and no "database is locked"; the capacity and the team size never
overshot, at any moment of the audit log; every save that went through was made over the values
its page showed (no lost update) and the final values are the last such save's; and for every
record, each audit event's "before" equals what the events before it left ("after").

The threads' app waits up to 30 s for SQLite's write lock (SQLITE_BUSY_TIMEOUT_MS; 5 s by
default). SQLite's busy handler is not first come, first served: with 8 writers saving back to
back in one process, a writer that has waited a while retries every 100 ms while newcomers retry
after 1 ms, and on a loaded 2-core machine one can wait more than 5 s (the longest write is in
the figures printed). What is tested here is our transactions, which never fail at once with
"database is locked" (cohort/database.py); how long SQLite makes one wait is its handler's.
PostgreSQL queues lock waiters in order and needs no such setting.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cohort import create_app
from cohort.cohorts.service import COHORT_DETAILS
from cohort.completion.service import COMPLETION_RULES, SETTINGS
from cohort.concurrency import fingerprint
from cohort.enrolments.service import PLACE_HOLDING, EnrolmentError, NewPerson, enrol_many
from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, Enrolment, Role, Session, TeamMember, User
from cohort.schedule.service import SESSION
from tests import factories as f
from tests.conftest import TEMPLATE_CACHE, IsolatedClient
from tests.integration.test_stale_edits import form_of
from tests.sessions import make_session

THREADS, WRITES = 8, 50
CAPACITY, TEAM_MAX = 5, 3
KINDS = ("enrolment", "team", "cohort", "rules", "session")
LOCKED = "database is locked"
HOLDING = {s.value for s in PLACE_HOLDING}


@pytest.fixture
def threads_app(database_url):
    """The app the threads use: the tests' settings, waiting longer for SQLite's write lock."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "SQLITE_BUSY_TIMEOUT_MS": 30_000,
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def scene(world):
    today = date.today()
    enrol_into = f.make_cohort("Small cohort", start=date(2026, 9, 7), capacity=CAPACITY)
    edited = f.make_cohort("Edited cohort", start=date(2026, 9, 7))
    session = make_session(edited, date(2026, 9, 8), title="Workshop")
    hackathon = f.make_hackathon(
        world.other_cohort, title="Hackathon", team_size_min=1, team_size_max=TEAM_MAX
    )
    team = f.make_team(hackathon, [], name="Alpha")
    admins = [f.make_user(Role.ADMIN, full_name=f"Manager {n}") for n in range(THREADS)]
    participants = []
    for n in range(THREADS):
        person = f.make_user(Role.PARTICIPANT, world.moj, full_name=f"Joiner {n}")
        f.enrol(world.other_cohort, person)
        participants.append(person)
    db.session.commit()
    # Plain values only: the threads have no use for this test's database session.
    return SimpleNamespace(
        today=today,
        small_id=enrol_into.id,
        small_slug=enrol_into.slug,
        edited_id=edited.id,
        edited_slug=edited.slug,
        session_id=session.id,
        hackathon_url=f"/cohorts/{world.other_cohort.slug}/hackathons/{hackathon.id}",
        team_id=team.id,
        join_code=team.join_code,
        department_id=world.moj.id,
        admins=[SimpleNamespace(id=a.id, session_token=f.session_token_for(a)) for a in admins],
        participants=[SimpleNamespace(id=p.id, session_token=f.session_token_for(p)) for p in participants],
        start={
            "cohort": {**COHORT_DETAILS.values(edited), **COMPLETION_RULES.values(edited)},
            "session": SESSION.values(session),
        },
        first_event=db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0,
    )


class Tally:
    """What the threads saw, under a lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.outcomes: Counter = Counter()
        self.problems: list[str] = []
        self.saves: dict[str, list[dict]] = defaultdict(list)  # kind → the saves that went through
        self.slowest = 0.0  # seconds, the longest write request

    def note(self, kind: str, outcome: str, problem: str | None = None, save: dict | None = None):
        with self.lock:
            self.outcomes[(kind, outcome)] += 1
            if problem:
                self.problems.append(problem)
            if save is not None:
                self.saves[kind].append(save)


def _dmy(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


class Timed:
    """A test client whose POSTs are timed (the longest goes in the figures)."""

    def __init__(self, client, tally: Tally):
        self.client, self.tally = client, tally

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.client.post(*args, **kwargs)
        finally:
            took = time.perf_counter() - started
            with self.tally.lock:
                self.tally.slowest = max(self.tally.slowest, took)


def _answer(tally: Tally, kind: str, response, ok=(302,), refused=(400, 409)) -> str:
    """ok, refused, or error (a server error, "database is locked", or an unexpected status)."""
    text = response.get_data(as_text=True)
    if response.status_code >= 500 or LOCKED in text:
        problem = f"{kind}: {response.status_code} {text[:300]}"
    elif response.status_code in ok:
        return "ok"
    elif response.status_code in refused:
        return "refused"
    else:
        problem = f"{kind}: unexpected {response.status_code}"
    with tally.lock:
        tally.problems.append(problem)
    return "error"


def worker(app, scene, n: int, barrier: threading.Barrier, tally: Tally):
    try:
        _work(app, scene, n, barrier, tally)
    except Exception as error:  # noqa: BLE001 - counted, and the test fails on it
        tally.note("thread", "error", f"thread {n}: {type(error).__name__}: {error}"[:500])


def _work(app, scene, n: int, barrier: threading.Barrier, tally: Tally):
    rng = random.Random(n)
    manager, joiner = app.test_client(), app.test_client()
    f.sign_in_as(manager, scene.admins[n])
    f.sign_in_as(joiner, scene.participants[n])
    manager, joiner = Timed(manager, tally), Timed(joiner, tally)
    session_url = f"/cohorts/{scene.edited_slug}/sessions/{scene.session_id}/edit"
    department = str(scene.department_id)
    mine: dict[int, str] = {}  # this thread's enrolments in the small cohort: id → status
    in_team = False
    barrier.wait(timeout=60)

    def enrolment_status(email: str) -> tuple[int, str] | None:
        with app.app_context():
            found = db.session.execute(
                select(Enrolment.id, Enrolment.status)
                .join(User, User.id == Enrolment.user_id)
                .where(Enrolment.cohort_id == scene.small_id, User.email == email)
            ).first()
            db.session.remove()
        return (found[0], found[1].value) if found else None

    for i in range(WRITES):
        kind = KINDS[(n + i) % len(KINDS)]
        marker = f"t{n}-w{i}"
        try:
            if kind == "enrolment":
                active = [e for e, s in mine.items() if s == "active"]
                withdrawn = [e for e, s in mine.items() if s == "withdrawn"]
                if active:
                    e = rng.choice(active)
                    response = manager.post(
                        f"/enrolments/{e}/withdraw",
                        data={"reason": f"Leaving ({marker})", "withdrawn_on": _dmy(scene.today)},
                    )
                    if (outcome := _answer(tally, "withdraw", response)) == "ok":
                        mine[e] = "withdrawn"
                    tally.note("withdraw", outcome)
                elif withdrawn and rng.random() < 0.5:
                    e = rng.choice(withdrawn)
                    response = manager.post(f"/enrolments/{e}/reinstate", data={})
                    outcome = _answer(tally, "reinstate", response)
                    with app.app_context():
                        status = db.session.get(Enrolment, e).status.value
                        db.session.remove()
                    if outcome != "error":
                        outcome = "ok" if status == "active" else "refused"
                        mine[e] = status
                    tally.note("reinstate", outcome)
                elif i % 3 == 0:  # an import: two people, everyone or no one
                    people = [
                        NewPerson(
                            f"import-{marker}-{k}@example.gov.uk", f"Imported {marker} {k}", int(department)
                        )
                        for k in range(2)
                    ]
                    with app.app_context():
                        cohort = db.session.get(Cohort, scene.small_id)
                        actor = db.session.get(User, scene.admins[n].id)
                        try:
                            for result in enrol_many(actor, cohort, people):
                                mine[result.enrolment.id] = "active"
                            outcome = "ok"
                        except EnrolmentError:
                            outcome = "refused"
                        finally:
                            db.session.remove()
                    tally.note("import", outcome)
                else:
                    email = f"enrol-{marker}@example.gov.uk"
                    response = manager.post(
                        f"/cohorts/{scene.small_slug}/enrol",
                        data={
                            "email": email,
                            "full_name": f"Person {marker}",
                            "department": department,
                            "enrolled_on": _dmy(scene.today),
                        },
                    )
                    outcome = _answer(tally, "enrol", response)
                    if outcome == "ok":
                        found = enrolment_status(email)
                        mine[found[0]] = found[1]
                    elif outcome == "refused" and "is full" not in response.get_data(as_text=True):
                        outcome = "error"
                        tally.problems.append(f"enrol refused without saying it is full ({marker})")
                    tally.note("enrol", outcome)
            elif kind == "team":
                if in_team:
                    response = joiner.post(f"{scene.hackathon_url}/teams/{scene.team_id}/leave", data={})
                    if (outcome := _answer(tally, "leave", response)) == "ok":
                        in_team = False
                    tally.note("leave", outcome)
                else:
                    response = joiner.post(
                        f"{scene.hackathon_url}/teams/join", data={"code": scene.join_code}
                    )
                    if (outcome := _answer(tally, "join", response)) == "ok":
                        in_team = True
                    elif outcome == "refused" and "This team is full" not in response.get_data(as_text=True):
                        outcome = "error"
                        tally.problems.append(f"join refused without saying the team is full ({marker})")
                    tally.note("join", outcome)
            else:
                url = {
                    "cohort": f"/cohorts/{scene.edited_slug}/edit",
                    "rules": f"/cohorts/{scene.edited_slug}/completion-rules",
                    "session": session_url,
                }[kind]
                page = manager.get(url)
                if _answer(tally, kind, page, ok=(200,), refused=()) != "ok":
                    tally.note(kind, "error")
                    continue
                data = form_of(page.get_data(as_text=True))
                k = n * WRITES + i  # unique to this write
                if kind == "cohort":
                    data.update(description=f"Saved by {marker}", length_weeks=str(10 + k % 5))
                elif kind == "rules":
                    data.update(min_attendance=str(k % 101), skills_at_target=str(k // 101))
                else:
                    data.update(title=f"Workshop {marker}", location=f"Room {k}")
                response = manager.post(url, data=data)
                outcome = _answer(tally, kind, response)
                if outcome == "refused" and response.status_code != 409:  # only a stale version
                    outcome = "error"
                    tally.problems.append(f"{kind} refused with {response.status_code} ({marker})")
                tally.note(
                    kind,
                    outcome,
                    save={"kind": kind, "marker": marker, "data": data} if outcome == "ok" else None,
                )
        except Exception as error:  # noqa: BLE001 - counted, and the test fails on it
            tally.note(kind, "error", f"{kind} ({marker}): {type(error).__name__}: {error}"[:500])


def _events(after_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id))
    )


def _chain_breaks(events: list[AuditEvent]) -> list[str]:
    """Per record, in audit id order: each event's "before" must equal what the events before it
    left for the same keys."""
    state: dict[tuple[str, int], dict] = defaultdict(dict)
    breaks = []
    for event in events:
        known = state[(event.entity_type, event.entity_id)]
        for key, value in (event.before or {}).items():
            if key in known and known[key] != value:
                breaks.append(
                    f"{event.entity_type} {event.entity_id} event {event.id}: {key} {known[key]!r} ≠ {value!r}"
                )
        known.update(event.after or {})
    return breaks


def _most_at_once(events, holds) -> tuple[int, int]:
    """Replaying the events in order: the most records holding a place at any moment, and at the end."""
    holding: dict[int, bool] = {}
    most = 0
    for event in events:
        if (value := holds(event)) is None:
            continue
        holding[event.entity_id] = value
        most = max(most, sum(holding.values()))
    return most, sum(holding.values())


def _lost_updates(events, start: dict, saves: list[dict], save_of, shown_keys) -> tuple[list[str], dict]:
    """Replays a record's update events from its starting values. Each must be one save that
    went through (`save_of(event, values after it)`), made over the values its page showed: the
    fingerprint in the version it posted is that of the values just before its event
    (`shown_keys(save)`: the fields its form shows). Returns the problems and the final values."""
    state, problems, matched = dict(start), [], set()
    for event in events:
        for key, value in (event.before or {}).items():
            if state.get(key) != value:
                problems.append(
                    f"event {event.id}: before {key}={value!r}, the replay has {state.get(key)!r}"
                )
        before = dict(state)
        state.update(event.after or {})
        save = save_of(event, state)
        if save is None or save["marker"] in matched:
            problems.append(f"event {event.id} is not one save that went through")
            continue
        matched.add(save["marker"])
        shown = fingerprint({key: before[key] for key in shown_keys(save)})
        if save["data"]["version"].split(".")[0] != shown:
            problems.append(
                f"save {save['marker']} (event {event.id}) overwrote values its page did not show"
            )
    if len(matched) != len(saves):
        problems.append(f"{len(saves)} saves went through but {len(matched)} events match them")
    return problems, state


def test_eight_people_saving_at_once(app, threads_app, world, scene):
    tally = Tally()
    barrier = threading.Barrier(THREADS)
    db.session.commit()  # this test's own transaction ends: on SQLite it would hold the write lock
    threads = [
        threading.Thread(target=worker, args=(threads_app, scene, n, barrier, tally)) for n in range(THREADS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - started
    assert not any(thread.is_alive() for thread in threads)

    db.session.expire_all()
    events = _events(scene.first_event)
    writes = sum(n for (_, outcome), n in tally.outcomes.items() if outcome in ("ok", "refused"))
    errors = sum(n for (_, outcome), n in tally.outcomes.items() if outcome == "error")

    # The capacity, at every moment of the audit log and now.
    small = scene.small_id
    in_small = set(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == small)))
    most_enrolled, enrolled_at_end = _most_at_once(
        [e for e in events if e.entity_type == "Enrolment" and e.entity_id in in_small],
        lambda e: (e.after["status"] in HOLDING) if "status" in (e.after or {}) else None,
    )
    enrolled_now = sum(
        1
        for status in db.session.scalars(select(Enrolment.status).where(Enrolment.cohort_id == small))
        if status in PLACE_HOLDING
    )

    # The team's size, at every moment of the audit log and now.
    team_id = scene.team_id
    most_in_team, in_team_at_end = _most_at_once(
        [
            e
            for e in events
            if e.entity_type == "TeamMember"
            and team_id in ((e.after or {}).get("team_id"), (e.before or {}).get("team_id"))
        ],
        lambda e: e.action == "create",
    )
    in_team_now = len(db.session.scalars(select(TeamMember.id).where(TeamMember.team_id == team_id)).all())

    # No lost update: the edited cohort (its page and its rules page) and the session.
    edited = db.session.get(Cohort, scene.edited_id)
    cohort_saves = tally.saves["cohort"] + tally.saves["rules"]
    by_description = {f"Saved by {s['marker']}": s for s in tally.saves["cohort"]}
    by_rules = {
        (int(s["data"]["min_attendance"]), int(s["data"]["skills_at_target"])): s
        for s in tally.saves["rules"]
    }

    def cohort_save(event, state):
        if "description" in event.after:  # every save of the cohort page writes its own description
            return by_description.get(state["description"])
        return by_rules.get((round(state["min_attendance"] * 100), round(state["skills_at_target"] * 100)))

    cohort_problems, cohort_state = _lost_updates(
        [
            e
            for e in events
            if e.entity_type == "Cohort" and e.entity_id == edited.id and e.action == "update"
        ],
        scene.start["cohort"],
        cohort_saves,
        cohort_save,
        lambda save: COHORT_DETAILS.labels if save["kind"] == "cohort" else SETTINGS,
    )
    session = db.session.get(Session, scene.session_id)
    by_title = {f"Workshop {s['marker']}": s for s in tally.saves["session"]}
    session_problems, session_state = _lost_updates(
        [
            e
            for e in events
            if e.entity_type == "Session" and e.entity_id == session.id and e.action == "update"
        ],
        scene.start["session"],
        tally.saves["session"],
        lambda event, state: by_title.get(state["title"]),
        lambda save: SESSION.labels,
    )
    breaks = _chain_breaks(events)

    figures = {
        "database": db.engine.dialect.name,
        "seconds": round(seconds, 1),
        "slowest write (s)": round(tally.slowest, 2),
        "writes": writes,
        "outcomes": dict(sorted(tally.outcomes.items())),
        "errors (5xx, exceptions, locked)": errors,
        "most enrolled": f"{most_enrolled} of {CAPACITY}",
        "most in team": f"{most_in_team} of {TEAM_MAX}",
        "lost updates": len(cohort_problems) + len(session_problems),
        "chain breaks": len(breaks),
        "audit events": len(events),
    }
    print("\nconcurrent edits:", figures)

    assert writes + errors == THREADS * WRITES, figures
    assert errors == 0, tally.problems[:10]
    assert not any(LOCKED in p for p in tally.problems) and not tally.problems, tally.problems[:10]
    assert most_enrolled <= CAPACITY and enrolled_now <= CAPACITY and enrolled_now == enrolled_at_end, figures
    assert most_in_team <= TEAM_MAX and in_team_now == in_team_at_end, figures
    assert tally.outcomes[("enrol", "refused")] + tally.outcomes[("import", "refused")] > 0, (
        figures
    )  # it was full
    assert tally.outcomes[("join", "refused")] > 0, figures  # the team was full
    assert cohort_problems == [] and session_problems == [], (cohort_problems + session_problems)[:10]
    # The final values are those of the last save: the replay of the events that match the saves.
    assert COHORT_DETAILS.values(edited) == {k: cohort_state[k] for k in COHORT_DETAILS.values(edited)}
    assert SESSION.values(session) == {k: session_state[k] for k in SESSION.values(session)}
    assert COMPLETION_RULES.values(edited) == {k: cohort_state[k] for k in SETTINGS}
    assert sum(tally.outcomes[(k, "ok")] for k in ("cohort", "rules", "session")) > 0
    assert breaks == [], breaks[:10]
