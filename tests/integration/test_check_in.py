"""Self check-in: a facilitator opens a window and shows a code and QR code; participants
enter it to mark themselves present (or late); codes expire; wrong codes are limited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cohort.attendance import service
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    CheckIn,
    CheckInAttempt,
    Enrolment,
    EnrolmentStatus,
    MarkSource,
    Role,
    Session,
)
from cohort.models.base import utcnow
from tests import factories


def running(
    cohort, *, started_minutes_ago: int = 20, hours: float = 2, title: str = "Workshop: Serving models"
):
    starts = utcnow().replace(microsecond=0) - timedelta(minutes=started_minutes_ago)
    session = Session(
        cohort=cohort,
        kind=SessionKind.WORKSHOP,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    return session


def run_url(session: Session) -> str:
    return f"/cohorts/{session.cohort.slug}/sessions/{session.id}/check-in"


def open_window(world, session, minutes=15, late_after=10) -> CheckIn:
    check_in = service.open_check_in(world.facilitator, session, minutes, late_after)
    db.session.commit()
    return check_in


def mark_of(world, user, session) -> AttendanceMark | None:
    db.session.expire_all()
    return db.session.scalar(
        select(AttendanceMark)
        .join(Enrolment, Enrolment.id == AttendanceMark.enrolment_id)
        .where(AttendanceMark.session_id == session.id, Enrolment.user_id == user.id)
    )


@pytest.fixture
def session(world):
    s = running(world.cohort)
    db.session.commit()
    return s


# Running a check-in ------------------------------------------------------------------


def test_facilitator_opens_a_check_in_and_sees_the_code_and_qr_code(world, sign_in, session):
    client = sign_in(world.facilitator)
    page = client.get(run_url(session))
    assert page.status_code == 200
    assert "Open check-in" in page.text
    response = client.post(run_url(session), data={"minutes": "15", "late_after_minutes": "10"})
    assert response.status_code == 302
    check_in = db.session.scalar(select(CheckIn).where(CheckIn.session_id == session.id))
    assert check_in is not None and len(check_in.code) == 6
    assert check_in.closes_at == check_in.opens_at + timedelta(minutes=15)
    page = client.get(run_url(session)).text
    assert f'id="check-in-code">{check_in.code}</p>' in page
    assert re.search(r'<img src="data:image/svg\+xml[^"]+"', page)
    assert "filled in" in page and " ".join(check_in.code) in page  # alt text spells the code out
    assert "Open until" in page
    assert "Close the check-in" in page
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "open-check-in"))
    assert event.actor_id == world.facilitator.id


@pytest.mark.parametrize(("role", "status"), [("sponsor", 403), ("participant", 403), ("admin", 200)])
def test_who_may_run_a_check_in(world, sign_in, session, role, status):
    assert sign_in(world.by_role(role)).get(run_url(session)).status_code == status


def test_facilitator_of_another_cohort_cannot_open_one(world, sign_in, session):
    client = sign_in(world.other_facilitator)
    assert (
        client.post(run_url(session), data={"minutes": "15", "late_after_minutes": "10"}).status_code == 404
    )
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


@pytest.mark.parametrize(
    ("minutes", "late", "message"),
    [
        ("0", "10", "between 1 and 240 minutes"),
        ("99999999999999", "10", "must be a whole number"),
        ("ten", "10", "must be a whole number"),
        ("15", "-1", "between 0 and 480"),
        ("", "10", "Enter how many minutes"),
    ],
)
def test_bad_window_lengths_are_errors(world, sign_in, session, minutes, late, message):
    response = sign_in(world.facilitator).post(
        run_url(session), data={"minutes": minutes, "late_after_minutes": late}
    )
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_no_check_in_for_a_session_that_has_ended_or_is_cancelled(world, sign_in):
    ended = running(world.cohort, started_minutes_ago=300)
    cancelled = running(world.cohort, title="Cancelled one")
    cancelled.cancelled_at = utcnow()
    cancelled.cancellation_reason = "Room flooded"
    db.session.commit()
    client = sign_in(world.facilitator)
    assert "This session has ended" in client.get(run_url(ended)).text
    assert "This session is cancelled" in client.get(run_url(cancelled)).text
    client.post(run_url(ended), data={"minutes": "15", "late_after_minutes": "10"})
    client.post(run_url(cancelled), data={"minutes": "15", "late_after_minutes": "10"})
    assert db.session.scalar(select(func.count(CheckIn.id))) == 0


def test_closing_the_check_in_stops_the_code(world, sign_in, session):
    check_in = open_window(world, session)
    client = sign_in(world.facilitator)
    response = client.post(run_url(session) + "/close", follow_redirects=True)
    assert "Check-in closed" in response.text
    assert "Open check-in" in response.text  # a new one can be opened
    client = sign_in(world.participant)
    response = client.post("/check-in", data={"code": check_in.code})
    assert response.status_code == 400
    assert "has expired or the check-in has closed" in response.text
    assert mark_of(world, world.participant, session) is None


# Checking in -------------------------------------------------------------------------


def test_participant_checks_in_late_after_the_set_minutes(world, sign_in, session):
    check_in = open_window(world, session, late_after=10)  # the session started 20 minutes ago
    client = sign_in(world.participant)
    response = client.post("/check-in", data={"code": check_in.code.lower()}, follow_redirects=True)
    assert "You are checked in to “Workshop: Serving models” (late)" in response.text
    mark = mark_of(world, world.participant, session)
    assert (
        mark.mark == "late"
        and mark.source == MarkSource.CHECK_IN
        and mark.recorded_by_id == world.participant.id
    )
    assert mark_of(world, world.other_participant, session) is None  # only themselves
    again = client.post("/check-in", data={"code": check_in.code}, follow_redirects=True)
    assert "You were already checked in" in again.text


def test_participant_checks_in_present_before_the_late_minutes(world, sign_in, session):
    check_in = open_window(world, session, late_after=30)
    client = sign_in(world.participant)
    spaced = f"{check_in.code[:3]} - {check_in.code[3:]}"
    response = client.post("/check-in", data={"code": spaced}, follow_redirects=True)
    assert "(present)" in response.text
    assert mark_of(world, world.participant, session).mark == "present"


def test_a_participant_can_only_check_themselves_in(world, sign_in, session):
    check_in = open_window(world, session)
    other = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.other_participant.id))
    client = sign_in(world.participant)
    client.post(
        "/check-in",
        data={"code": check_in.code, "user_id": world.other_participant.id, "enrolment_id": other.id},
    )
    assert mark_of(world, world.participant, session) is not None
    assert mark_of(world, world.other_participant, session) is None
    # Staff cannot use the participants' page at all.
    assert sign_in(world.facilitator).post("/check-in", data={"code": check_in.code}).status_code == 403


def test_qr_link_fills_in_the_code(world, sign_in, session):
    check_in = open_window(world, session)
    page = sign_in(world.participant).get(f"/check-in?code={check_in.code.lower()}").text
    assert f'value="{check_in.code}"' in page
    response = sign_in(world.participant).get("/check-in?code=%3Cscript%3Ealert(1)%E2%80%AE")
    assert response.status_code == 200
    assert 'value="SCRIPTALERT1"' in response.text  # only letters and digits are kept


def test_participant_not_in_the_cohort_is_refused(world, sign_in, session):
    check_in = open_window(world, session)
    outsider = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Olu Outsider")
    factories.enrol(world.other_cohort, outsider)
    withdrawn = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Wendy Withdrawn")
    factories.enrol(world.cohort, withdrawn, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    for person in (outsider, withdrawn):
        response = sign_in(person).post("/check-in", data={"code": check_in.code})
        assert response.status_code == 400
        assert "That check-in code is not right" in response.text
        assert db.session.scalar(select(func.count(AttendanceMark.id))) == 0


def test_expired_code_says_so(world, sign_in, session):
    check_in = open_window(world, session, minutes=5)
    db.session.execute(
        update(CheckIn)
        .where(CheckIn.id == check_in.id)
        .values(opens_at=utcnow() - timedelta(minutes=10), closes_at=utcnow() - timedelta(minutes=5))
    )
    db.session.commit()
    response = sign_in(world.participant).post("/check-in", data={"code": check_in.code})
    assert response.status_code == 400
    assert "This check-in code has expired" in response.text
    assert mark_of(world, world.participant, session) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the check-in code"),
        ("A" * 10_000, "20 characters or fewer"),
        ("ABC\x00DE", "must not contain invisible or control characters"),
    ],
)
def test_bad_codes_are_errors(world, sign_in, session, code, message):
    response = sign_in(world.participant).post("/check-in", data={"code": code})
    assert response.status_code == 400
    assert message in response.text
    assert 'href="#code"' in response.text


def test_wrong_codes_are_limited_and_a_right_code_waits_for_the_window(world, sign_in, session):
    check_in = open_window(world, session, minutes=60)
    client = sign_in(world.participant)
    for left in (4, 3, 2, 1):
        response = client.post("/check-in", data={"code": "WRONG1"})
        assert response.status_code == 400
        assert f"({left} {'try' if left == 1 else 'tries'} left before you have to wait)" in response.text
    response = client.post("/check-in", data={"code": "WRONG1"})
    assert response.status_code == 429
    assert "You have entered too many wrong codes. Wait 10 minutes" in response.text
    # Even the right code is refused until the window has passed.
    response = client.post("/check-in", data={"code": check_in.code})
    assert response.status_code == 429
    assert mark_of(world, world.participant, session) is None
    # The other participant is not affected.
    assert (
        "checked in"
        in sign_in(world.other_participant)
        .post("/check-in", data={"code": check_in.code}, follow_redirects=True)
        .text
    )
    # Ten minutes later, the right code works.
    for attempt in db.session.scalars(select(CheckInAttempt)):
        attempt.at -= timedelta(minutes=11)
    db.session.commit()
    client = sign_in(world.participant)
    assert client.post("/check-in", data={"code": check_in.code}).status_code == 302
    assert mark_of(world, world.participant, session) is not None


def test_check_in_is_audited(world, sign_in, session):
    check_in = open_window(world, session)
    sign_in(world.participant).post("/check-in", data={"code": check_in.code})
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "AttendanceMark", AuditEvent.action == "create")
    )
    assert event.actor_id == world.participant.id
    assert "checked in" in event.summary


def test_register_shows_who_checked_in(world, sign_in, session):
    check_in = open_window(world, session)
    sign_in(world.participant).post("/check-in", data={"code": check_in.code})
    page = sign_in(world.facilitator).get(run_url(session)).text
    assert "1 of 2 checked in" in page
    register = (
        sign_in(world.facilitator).get(f"/cohorts/{world.cohort.slug}/sessions/{session.id}/register").text
    )
    assert "Checked in at" in register
