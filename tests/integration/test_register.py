"""Registers: who may take them, saving marks and notes, "mark everyone present", the audit
trail of a changed mark, hostile input, and a page whose queries do not grow with the cohort."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import AttendanceMark, AuditEvent, EnrolmentStatus, Role, Session
from cohort.models.base import utcnow
from tests import factories
from tests.factories import enrolment_of
from tests.querycount import count_queries


def held(
    cohort, *, days_ago: float = 1, hours: float = 3, title: str = "Workshop: Pipelines", **kwargs
) -> Session:
    """A session of the cohort that started `days_ago` days ago (negative: in the future)."""
    starts = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    session = Session(
        cohort=cohort,
        kind=kwargs.pop("kind", SessionKind.WORKSHOP),
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        mandatory=kwargs.pop("mandatory", False),
        sequence=0,
        **kwargs,
    )
    db.session.add(session)
    db.session.flush()
    return session


def url(session: Session) -> str:
    return f"/cohorts/{session.cohort.slug}/sessions/{session.id}/register"


def marks_of(session: Session) -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    rows = db.session.scalars(select(AttendanceMark).where(AttendanceMark.session_id == session.id))
    return {m.enrolment.user.full_name: (m.mark.value, m.note) for m in rows}


@pytest.fixture
def workshop(world):
    session = held(world.cohort)
    db.session.commit()
    return session


# Who may take a register -------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"), [("facilitator", 200), ("admin", 200), ("sponsor", 403), ("participant", 403)]
)
def test_register_by_role(world, sign_in, workshop, role, status):
    client = sign_in(world.by_role(role))
    response = client.get(url(workshop))
    assert response.status_code == status
    if status == 200:
        assert "Siân O&#39;Neill" in response.text and "Zoë Ng" in response.text


def test_facilitator_of_another_cohort_gets_not_found(world, sign_in, workshop):
    client = sign_in(world.other_facilitator)
    assert client.get(url(workshop)).status_code == 404
    assert client.post(url(workshop), data={"save": "y"}).status_code == 404
    assert marks_of(workshop) == {}


def test_session_of_another_cohort_is_not_found(world, sign_in):
    elsewhere = held(world.other_cohort)
    db.session.commit()
    client = sign_in(world.facilitator)
    assert client.get(f"/cohorts/{world.cohort.slug}/sessions/{elsewhere.id}/register").status_code == 404
    assert client.get(f"/cohorts/{world.cohort.slug}/sessions/99999999999/register").status_code == 404


# Saving --------------------------------------------------------------------------------


def test_page_offers_every_active_person_with_four_marks_and_a_note(world, sign_in, workshop):
    gone = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Wendy Withdrawn")
    factories.enrol(world.cohort, gone, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    page = sign_in(world.facilitator).get(url(workshop)).text
    e = enrolment_of(world.cohort, world.participant)
    for value in ("present", "late", "excused", "absent"):
        assert f'name="mark-{e.id}" type="radio" value="{value}"' in page
    assert f'id="note-{e.id}"' in page
    assert "Wendy Withdrawn" not in page  # withdrawn people are not offered
    assert "2 active participants" in page
    assert "Mark everyone not yet marked as present" in page


def test_saving_marks_and_notes(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me, other = (
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )
    response = client.post(
        url(workshop),
        data={
            "save": "y",
            f"mark-{me.id}": "late",
            f"note-{me.id}": "Train delayed",
            f"mark-{other.id}": "present",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Register saved: 2 marks changed." in response.text
    assert marks_of(workshop) == {"Siân O'Neill": ("late", "Train delayed"), "Zoë Ng": ("present", None)}
    assert 'value="Train delayed"' in response.text
    mark = db.session.scalar(select(AttendanceMark).where(AttendanceMark.enrolment_id == me.id))
    assert mark.recorded_by_id == world.facilitator.id


def test_saving_the_same_register_again_changes_nothing(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "present"})
    events = db.session.scalar(select(db.func.count(AuditEvent.id)))
    response = client.post(
        url(workshop), data={"save": "y", f"mark-{me.id}": "present"}, follow_redirects=True
    )
    assert "nothing had changed" in response.text
    assert db.session.scalar(select(db.func.count(AuditEvent.id))) == events


def test_mark_everyone_present_fills_only_the_unmarked_and_saves_nothing_yet(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me, other = (
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )
    response = client.post(url(workshop), data={"all_present": "y", f"mark-{other.id}": "absent"})
    assert response.status_code == 200
    assert "1 person is now set to present" in response.text
    assert f'id="mark-{me.id}" name="mark-{me.id}" type="radio" value="present" checked' in response.text
    assert f'name="mark-{other.id}" type="radio" value="absent" checked' in response.text
    assert marks_of(workshop) == {}  # not saved until "Save register"
    client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "present", f"mark-{other.id}": "absent"})
    assert marks_of(workshop) == {"Siân O'Neill": ("present", None), "Zoë Ng": ("absent", None)}


def test_mark_everyone_present_button_above_the_register_keeps_notes(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    other = enrolment_of(world.cohort, world.other_participant)
    client.post(url(workshop), data={"save": "y", f"mark-{other.id}": "excused", f"note-{other.id}": "Sick"})
    response = client.post(url(workshop), data={"all_present": "y"})  # the top form sends only the button
    assert 'value="Sick"' in response.text
    assert f'name="mark-{other.id}" type="radio" value="excused" checked' in response.text


def test_changing_a_mark_keeps_an_audit_event_with_the_previous_mark(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "absent"})
    sign_in(world.admin)
    client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "excused", f"note-{me.id}": "Was ill"})
    events = list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "AttendanceMark").order_by(AuditEvent.id)
        )
    )
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].before == {"mark": "absent", "note": None}
    assert events[1].after == {"mark": "excused", "note": "Was ill"}
    assert events[1].actor_id == world.admin.id
    assert "(was absent)" in events[1].summary


def test_a_mark_cannot_be_taken_away_by_leaving_it_blank(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "late"})
    client.post(url(workshop), data={"save": "y"})
    assert marks_of(workshop) == {"Siân O'Neill": ("late", None)}


# Hostile input ---------------------------------------------------------------------


def test_unknown_mark_value_is_an_error_linked_to_the_row(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    response = client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "asleep\x00"})
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert f'href="#mark-{me.id}"' in response.text
    assert "Select present, late, excused or absent for Siân O&#39;Neill" in response.text
    assert marks_of(workshop) == {}


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("x" * 10_000, "must be 500 characters or fewer"),
        ("Late\x00", "must not contain invisible or control characters"),
        ("Line\nbreak", "must not contain invisible or control characters"),
    ],
)
def test_bad_notes_are_errors_and_nothing_is_saved(world, sign_in, workshop, note, message):
    client = sign_in(world.facilitator)
    me, other = (
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )
    response = client.post(
        url(workshop),
        data={"save": "y", f"mark-{me.id}": "present", f"note-{me.id}": note, f"mark-{other.id}": "present"},
    )
    assert response.status_code == 400
    assert f'href="#note-{me.id}"' in response.text
    assert message in response.text
    assert marks_of(workshop) == {}  # all or nothing


def test_a_note_without_a_mark_asks_for_the_mark(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    response = client.post(url(workshop), data={"save": "y", f"note-{me.id}": "Left early"})
    assert response.status_code == 400
    assert "Select a mark for Siân O&#39;Neill to save the note" in response.text


def test_enrolments_of_other_cohorts_and_withdrawn_people_are_ignored(world, sign_in, workshop):
    stranger = factories.make_user(Role.PARTICIPANT, world.moj)
    elsewhere = factories.enrol(world.other_cohort, stranger)
    gone = factories.enrol(
        world.cohort, factories.make_user(Role.PARTICIPANT, world.moj), EnrolmentStatus.WITHDRAWN
    )
    db.session.commit()
    client = sign_in(world.facilitator)
    response = client.post(
        url(workshop),
        data={
            "save": "y",
            f"mark-{elsewhere.id}": "present",
            f"mark-{gone.id}": "present",
            "mark-99999999999": "present",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "nothing had changed" in response.text
    assert marks_of(workshop) == {}


def test_cancelled_session_register_cannot_be_changed(world, sign_in, workshop):
    workshop.cancelled_at = utcnow()
    workshop.cancellation_reason = "Trainer ill"
    db.session.commit()
    client = sign_in(world.facilitator)
    page = client.get(url(workshop))
    assert page.status_code == 200
    assert "This session is cancelled" in page.text
    assert "Save register" not in page.text
    me = enrolment_of(world.cohort, world.participant)
    response = client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "present"})
    assert response.status_code == 400
    assert "its register cannot be changed" in response.text
    assert marks_of(workshop) == {}


def test_nobody_can_be_marked_present_days_before_the_session(world, sign_in):
    future = held(world.cohort, days_ago=-3)
    db.session.commit()
    client = sign_in(world.facilitator)
    me, other = (
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )
    page = client.get(url(future)).text
    assert "This session has not started" in page
    response = client.post(url(future), data={"save": "y", f"mark-{me.id}": "present"})
    assert response.status_code == 400
    assert "cannot be marked present before the session starts" in response.text
    # An excuse given in advance is fine.
    client.post(url(future), data={"save": "y", f"mark-{other.id}": "excused", f"note-{other.id}": "Leave"})
    assert marks_of(future) == {"Zoë Ng": ("excused", "Leave")}


def test_missing_csrf_token_is_refused(app, world, sign_in, workshop):
    app.config["WTF_CSRF_ENABLED"] = True
    client = sign_in(world.facilitator)
    me = enrolment_of(world.cohort, world.participant)
    assert client.post(url(workshop), data={"save": "y", f"mark-{me.id}": "present"}).status_code == 400
    assert marks_of(workshop) == {}


# Queries ---------------------------------------------------------------------------


def test_register_queries_do_not_grow_with_participants(world, sign_in, workshop):
    client = sign_in(world.facilitator)
    counts = []
    for extra in (8, 90):  # 10, then 100 people
        for i in range(extra):
            person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
            enrolment = factories.enrol(world.cohort, person)
            if i % 3 == 0:
                db.session.add(AttendanceMark(session=workshop, enrolment=enrolment, mark="present"))
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get(url(workshop)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 people, {counts[1]} for 100"
