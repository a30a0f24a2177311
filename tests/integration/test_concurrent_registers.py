"""Registers, check-ins, catch-ups and assessments saved at once by many people, against the
database of the run (SQLite by default, PostgreSQL with TEST_DATABASE_URL):
docs/decisions/0003-concurrent-registers-and-grids.md.

Eight threads, fifty writes each, every thread with its own client (each request in its own app
context, as under a threaded server) or calling the service in its own app context:

- Fran Facilitator and Tom Facilitator save the register of a running session from pages they
  keep open (so often stale), each change tagged with a note unique to the save;
- the programme manager saves the register of an ended mandatory session, every other time
  without the was- fields (an old page, an API-like client), while Tom records catch-ups for it;
- participants check themselves in to the running session (a check-in racing the registers);
- Fran and Tom save the baseline grid; the programme manager saves one participant's assessment
  with evidence unique to the save.

Then: no answer of 500 or more and no "database is locked"; every audit event's "before" is what
the record was just before it (the chain of events rebuilds the record as it is now, so no
update was lost); every save that was accepted replaced exactly what its page showed, and every
save refused left no trace.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import select

from cohort.attendance import service
from cohort.attendance.service import AttendanceError
from cohort.domain.progress import Checkpoint, Source
from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    Assessment,
    AttendanceMark,
    AuditEvent,
    CatchUp,
    Enrolment,
    Role,
    Session,
    Skill,
    User,
)
from cohort.models.base import utcnow
from tests import factories as f
from tests.integration.test_stale_register import form_fields

THREADS = 8
WRITES = 50
MARKS = ("present", "late", "excused", "absent")


@dataclass
class Save:
    """One save a thread made: per row or cell changed, (what the page showed, what it sent);
    shown is None when the form did not say."""

    who: str
    kind: str
    changes: dict
    status: int | None = None


@dataclass
class Outcomes:
    saves: list[Save] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    lock = threading.Lock()

    def add(self, save: Save) -> None:
        with self.lock:
            self.saves.append(save)
            self.statuses[save.status] += 1

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)


def _post(client, url, data, outcomes: Outcomes, save: Save | None = None):
    try:
        response = client.post(url, data=data)
    except Exception:  # noqa: BLE001 - every failure is counted, then the test fails on it
        outcomes.problem(traceback.format_exc())
        return None
    if response.status_code >= 500 or "database is locked" in response.text:
        outcomes.problem(f"{response.status_code} from POST {url}: {response.text[:300]}")
    if save is not None:
        save.status = response.status_code
        outcomes.add(save)
    return response


def _note(value: str) -> str | None:
    return value.strip() or None


# The writers ------------------------------------------------------------------------------


def save_registers(client, url, who, ids, rng, outcomes, *, knows=lambda i: True):
    """A register page kept open: after a save the page is what was sent; after a refusal, the page
    the refusal shows; every tenth save from a page opened afresh."""
    fields = form_fields(client.get(url).text, "register")
    for i in range(WRITES):
        if i % 10 == 9:
            fields = form_fields(client.get(url).text, "register")
        tag = f"{who}-{i}"
        for eid in rng.sample(ids, rng.choice((1, 2))):
            fields[f"mark-{eid}"] = rng.choice(MARKS)
        changes = {}
        for eid in ids:
            shown = (fields[f"was-{eid}"] or None, _note(fields[f"was-note-{eid}"]))
            mark = fields.get(f"mark-{eid}")
            if mark and (mark, _note(fields[f"note-{eid}"])) != shown:
                fields[f"note-{eid}"] = tag  # every row this save changes says which save it was
                changes[eid] = (shown, (mark, tag))
        data = {**fields, "save": "y"}
        if not knows(i):
            data = {k: v for k, v in data.items() if not k.startswith("was-")}
            changes = {eid: (None, new) for eid, (_, new) in changes.items()}
        response = _post(client, url, data, outcomes, Save(who, "register", changes))
        if response is not None and response.status_code == 302:
            for eid, (_, (mark, note)) in changes.items():
                fields[f"was-{eid}"], fields[f"was-note-{eid}"] = mark, note
        elif response is not None and response.status_code == 409:
            fields = form_fields(response.text, "register")
        elif response is not None:
            outcomes.problem(f"register save answered {response.status_code}")


def save_grids(client, url, who, keys, rng, outcomes):
    fields = form_fields(client.get(url).text, "grid")
    for i in range(WRITES):
        if i % 10 == 9:
            fields = form_fields(client.get(url).text, "grid")
        for key in rng.sample(keys, rng.choice((1, 2))):
            fields[f"level-{key}"] = str(rng.randrange(5))
        changes = {
            key: (fields[f"was-{key}"], fields[f"level-{key}"])
            for key in keys
            if fields[f"level-{key}"] not in ("", fields[f"was-{key}"])
        }
        response = _post(client, url, fields, outcomes, Save(who, "grid", changes))
        if response is not None and response.status_code == 302:
            for key, (_, level) in changes.items():
                fields[f"was-{key}"] = level
        elif response is not None and response.status_code == 409:
            fields = form_fields(response.text, "grid")
        elif response is not None:
            outcomes.problem(f"grid save answered {response.status_code}")


def assess_one_by_one(client, urls, who, skill_ids, rng, outcomes):
    """One participant's assessment with evidence, a page kept open per participant."""
    pages: dict[int, dict] = {}
    for i in range(WRITES):
        eid, tag = rng.choice(list(urls)), f"{who}-{i}"
        if eid not in pages or i % 10 == 9:
            pages[eid] = form_fields(client.get(urls[eid]).text, "grid")
        fields = pages[eid]
        fields[f"level-{eid}-{rng.choice(skill_ids)}"] = str(rng.randrange(5))
        changes = {}
        for key in (f"{eid}-{s}" for s in skill_ids):
            shown = (fields[f"was-{key}"], _note(fields[f"was-evidence-{key}"]))
            if (fields[f"level-{key}"], _note(fields[f"evidence-{key}"])) != shown:
                fields[f"evidence-{key}"] = tag  # every cell this save changes says which save it was
                changes[key] = (shown, (fields[f"level-{key}"], tag))
        response = _post(client, urls[eid], fields, outcomes, Save(who, "assessment", changes))
        if response is not None and response.status_code == 302:
            for key, (_, (level, evidence)) in changes.items():
                fields[f"was-{key}"], fields[f"was-evidence-{key}"] = level, evidence
        elif response is not None and response.status_code == 409:
            pages[eid] = form_fields(response.text, "grid")
        elif response is not None:
            outcomes.problem(f"assessment save answered {response.status_code}")


def check_in_often(clients, code, rng, outcomes):
    for _ in range(WRITES):
        response = _post(rng.choice(clients), "/check-in", {"code": code}, outcomes)
        with outcomes.lock:
            outcomes.statuses[f"check-in {response.status_code if response is not None else 'failed'}"] += 1


def record_catch_ups(app, actor_id, session_id, enrolment_ids, rng, outcomes):
    for i in range(WRITES):
        with app.app_context():
            try:
                actor, session = db.session.get(User, actor_id), db.session.get(Session, session_id)
                enrolment = db.session.get(Enrolment, rng.choice(enrolment_ids))
                service.record_catch_up(actor, enrolment, session, f"catch-up {i}", london_date(utcnow()))
                result = "recorded"
            except AttendanceError:  # they were marked present or late meanwhile: nothing to catch up
                db.session.rollback()
                result = "refused"
            except Exception:  # noqa: BLE001
                outcomes.problem(traceback.format_exc())
                result = "failed"
            finally:
                db.session.remove()
        with outcomes.lock:
            outcomes.statuses[f"catch-up {result}"] += 1


# Checking what was written ----------------------------------------------------------------


def audit_trails(entity_type: str) -> dict[int, list[tuple[AuditEvent, dict, dict]]]:
    """entity id → its events in order, each with the record as it was before and after it.
    Fails on any event whose "before" is not what the record was just before it."""
    trails: dict[int, list] = defaultdict(list)
    state: dict[int, dict] = defaultdict(dict)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == entity_type).order_by(AuditEvent.id)
    )
    for event in events:
        now = state[event.entity_id]
        if event.before is None:
            assert not now, f"{entity_type} {event.entity_id}: event {event.id} creates a record that exists"
        for key, value in (event.before or {}).items():
            assert now.get(key) == value, (
                f"{entity_type} {event.entity_id}: event {event.id} says {key} was {value!r}, "
                f"but it was {now.get(key)!r}"
            )
        before = dict(now)
        now.update(event.after or {})
        trails[event.entity_id].append((event, before, dict(now)))
    return trails


def check_marks(saves: list[Save], trails, marks_by_key) -> int:
    """Each accepted save's rows were written over exactly what its page showed; refused saves
    left nothing. Returns how many saves were checked."""
    checked = 0
    for save in saves:
        for eid, (shown, (mark, note)) in save.changes.items():
            entity = marks_by_key.get(eid)
            written = [
                (before, after) for _, before, after in trails.get(entity, []) if after.get("note") == note
            ]
            if save.status != 302:
                assert not written, f"refused save {note} was written"
                continue
            assert written, f"accepted save {note} is not in the audit trail: lost"
            before, after = written[0]
            assert after.get("mark") == mark, after
            if shown is not None:
                assert (before.get("mark"), before.get("note")) == shown, (
                    f"save {note} replaced {before} though its page showed {shown}"
                )
        checked += 1
    return checked


@pytest.fixture
def scene(app, world):
    tom = f.make_user(Role.FACILITATOR, full_name="Tom Facilitator")
    world.cohort.facilitators.append(tom)
    people = [world.participant, world.other_participant]
    for name in ("Amara Okafor", "Daniel Whitfield"):
        person = f.make_user(Role.PARTICIPANT, world.moj, full_name=name)
        f.enrol(world.cohort, person)
        people.append(person)
    now = utcnow().replace(microsecond=0)
    running = Session(
        cohort=world.cohort,
        kind=SessionKind.WORKSHOP,
        title="Workshop: Serving models",
        starts_at=now - timedelta(minutes=20),
        ends_at=now + timedelta(hours=2),
        sequence=0,
    )
    ended = Session(
        cohort=world.cohort,
        kind=SessionKind.WORKSHOP,
        title="Ethics: Bias and fairness",
        starts_at=now - timedelta(days=1, hours=3),
        ends_at=now - timedelta(days=1),
        mandatory=True,
        sequence=0,
    )
    db.session.add_all([running, ended])
    db.session.flush()
    check_in = service.open_check_in(world.facilitator, running, 180, 10)
    python = db.session.get(Skill, f.skill_id_in(world.cohort))
    ethics = f.make_skill("Responsible AI and ethics", "Responsible AI")
    f.assess_skill(world.cohort, ethics, 3)
    db.session.commit()
    enrolments = [f.enrolment_of(world.cohort, p).id for p in people]
    return {
        "tom": tom,
        "people": people,
        "running": running,
        "ended": ended,
        "code": check_in.code,
        "skills": [python.id, ethics.id],
        "enrolments": enrolments,
    }


def test_many_people_saving_at_once(app, world, scene, caplog):
    caplog.set_level(logging.WARNING, logger="cohort.requests")  # not a line per request: 450 of them
    slug, ids, skill_ids = world.cohort.slug, scene["enrolments"], scene["skills"]
    running_url = f"/cohorts/{slug}/sessions/{scene['running'].id}/register"
    ended_url = f"/cohorts/{slug}/sessions/{scene['ended'].id}/register"
    grid_url = f"/cohorts/{slug}/assessments/baseline?skill=all"  # every cell on one page
    one_url = f"/cohorts/{slug}/assessments/baseline"  # + /<enrolment id>
    cells = [f"{e}-{s}" for e in ids for s in skill_ids]

    def client_for(user):
        client = app.test_client()
        f.sign_in_as(client, user)
        return client

    fran, tom, priya = world.facilitator, scene["tom"], world.admin
    # Clients signed in here, before the threads start: signing in reads the user.
    c = {name: client_for(user) for name, user in (("fran", fran), ("tom", tom), ("priya", priya))}
    c.update(
        {f"{name}-2": client_for(user) for name, user in (("fran", fran), ("tom", tom), ("priya", priya))}
    )
    participants = [client_for(p) for p in scene["people"]]
    tom_id, ended_id = tom.id, scene["ended"].id
    outcomes = Outcomes()
    rng = [random.Random(n) for n in range(THREADS)]
    jobs = [
        lambda: save_registers(c["fran"], running_url, "fran", ids, rng[0], outcomes),
        lambda: save_registers(c["tom"], running_url, "tom", ids, rng[1], outcomes),
        lambda: save_registers(
            c["priya"], ended_url, "priya", ids, rng[2], outcomes, knows=lambda i: i % 2 == 0
        ),
        lambda: check_in_often(participants, scene["code"], rng[3], outcomes),
        lambda: record_catch_ups(app, tom_id, ended_id, ids, rng[4], outcomes),
        lambda: save_grids(c["fran-2"], grid_url, "fran-grid", cells, rng[5], outcomes),
        lambda: save_grids(c["tom-2"], grid_url, "tom-grid", cells, rng[6], outcomes),
        lambda: assess_one_by_one(
            c["priya-2"], {e: f"{one_url}/{e}" for e in ids}, "priya-one", skill_ids, rng[7], outcomes
        ),
    ]
    db.session.commit()
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        try:
            job()
        except Exception:  # noqa: BLE001
            outcomes.problem(traceback.format_exc())

    began = time.monotonic()
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    seconds = time.monotonic() - began
    db.session.expire_all()

    writes = sum(outcomes.statuses.values())
    refused = sum(1 for s in outcomes.saves if s.status == 409)
    print(
        f"\n{len(jobs)} threads, {writes} writes in {seconds:.1f}s on {db.engine.dialect.name}: "
        f"{dict(sorted(outcomes.statuses.items(), key=str))}; {refused} stale saves refused; "
        f"{len(outcomes.problems)} problems"
    )
    assert not any(t.is_alive() for t in threads)
    assert outcomes.problems == [], outcomes.problems[0]
    assert writes == THREADS * WRITES
    assert all(s.status in (302, 409) for s in outcomes.saves)
    assert outcomes.statuses["check-in 302"] == WRITES  # present, late or already checked in
    assert refused > 0  # the pages kept open did go stale, and were refused

    # The audit trail rebuilds every record as it is now: no update was lost.
    replayed = 0
    for entity_type, model, fields in (
        ("AttendanceMark", AttendanceMark, ("mark", "note", "source")),
        ("Assessment", Assessment, ("level", "evidence", "evidence_link")),
        ("CatchUp", CatchUp, ("what_was_done", "completed_on")),
    ):
        trails = audit_trails(entity_type)
        rows = db.session.scalars(select(model)).all()
        assert {r.id for r in rows} == set(trails), entity_type
        replayed += sum(len(trail) for trail in trails.values())
        for row in rows:
            rebuilt = trails[row.id][-1][2]
            for name in fields:
                value = getattr(row, name)
                value = getattr(value, "value", value)
                value = value.isoformat() if hasattr(value, "isoformat") else value
                assert rebuilt.get(name) == value, f"{entity_type} {row.id}: {name} {value!r} ≠ {rebuilt}"

    # Accepted saves replaced what their page showed; refused ones left nothing.
    mark_trails = audit_trails("AttendanceMark")
    marks = db.session.scalars(select(AttendanceMark)).all()
    for session, whose in ((scene["running"], ("fran", "tom")), (scene["ended"], ("priya",))):
        by_enrolment = {m.enrolment_id: m.id for m in marks if m.session_id == session.id}
        saves = [s for s in outcomes.saves if s.kind == "register" and s.who in whose]
        assert check_marks(saves, mark_trails, by_enrolment) == len(saves) == WRITES * len(whose)

    assessment_trails = audit_trails("Assessment")
    assessments = {
        f"{a.enrolment_id}-{a.skill_id}": a.id
        for a in db.session.scalars(
            select(Assessment).where(
                Assessment.checkpoint == Checkpoint.BASELINE, Assessment.source == Source.FACILITATOR
            )
        )
    }
    for save in (s for s in outcomes.saves if s.kind == "assessment"):
        for key, (shown, (level, evidence)) in save.changes.items():
            written = [
                (b, a)
                for _, b, a in assessment_trails.get(assessments.get(key), [])
                if a.get("evidence") == evidence
            ]
            if save.status != 302:
                assert not written, f"refused save {evidence} was written"
                continue
            assert written, f"accepted save {evidence} is not in the audit trail: lost"
            before, after = written[0]
            assert after["level"] == int(level)
            assert (str(before["level"]) if "level" in before else "", before.get("evidence")) == shown
    # Grid saves carry levels only: each grid writer's events, cell by cell, are its accepted
    # saves in order (a save finding its level already there writes nothing).
    actors = {"fran-grid": fran.id, "tom-grid": tom.id}
    for who, actor_id in actors.items():
        for key in cells:
            events = [
                (str(b["level"]) if "level" in b else "", str(a["level"]))
                for e, b, a in assessment_trails.get(assessments.get(key), [])
                if e.actor_id == actor_id
            ]
            accepted = [
                s.changes[key]
                for s in outcomes.saves
                if s.who == who and s.status == 302 and key in s.changes
            ]
            matched = 0
            for shown, level in accepted:
                if matched < len(events) and events[matched] == (shown, level):
                    matched += 1
            assert matched == len(events), f"{who} on {key}: events {events}, saves {accepted}"
    print(f"{replayed} audit events replayed: no chain breaks, no lost updates, no stale save accepted")
