"""The register deadline (docs/rules.md §3.2) on pages, the check-in screen's live count and
My schedule after check-in (§2.6), the dashboard's hackathon team nudge (§7.3), and the enrol
form's default date (§2.4)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from cohort.attendance import service
from cohort.config import ConfigError, load_config
from cohort.enrolments.service import default_enrolment_date
from cohort.extensions import db
from cohort.models import Enrolment, EnrolmentStatus
from cohort.models.base import utcnow
from tests import factories
from tests.factories import enrolment_of
from tests.querycount import count_queries
from tests.sessions import make_session


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _withdraw(world, user) -> None:
    enrolment = enrolment_of(world.cohort, user)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.withdrawn_on, enrolment.withdrawal_reason = date.today(), "Moved to another post"


# The register deadline on pages ----------------------------------------------------------------


@pytest.fixture
def friday(world):
    """Friday 27 November 2026, 2pm to 4pm, ended with no marks; the cohort is Scottish, so
    Monday 30 November (St Andrew's Day) is no working day: the deadline is the end of
    Wednesday 2 December."""
    from cohort.models.cohort import BankHolidayDivision

    world.cohort.bank_holiday_division = BankHolidayDivision("scotland")
    session = make_session(
        world.cohort, date(2026, 11, 27), time(14, 0), time(16, 0), title="Workshop: Agents"
    )
    db.session.commit()
    return session


def test_my_schedule_shows_a_session_waiting_for_the_register(client, world, sign_in, friday):
    with time_machine.travel(datetime(2026, 11, 27, 17, 0, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.participant).get("/my-schedule").text)
    assert "Waiting for the register" in text
    assert "not marked, counted as absent" not in text
    assert "Missed 0" in text


def test_after_the_deadline_it_counts_as_absent(client, world, sign_in, friday):
    with time_machine.travel(datetime(2026, 12, 3, 0, 0, 1, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.participant).get("/my-schedule").text)
    assert "Missed 1 (1 not marked, counted as absent)" in text
    assert "Waiting for the register" not in text


def test_staff_see_the_waiting_session_on_the_cohort_attendance_page(client, world, sign_in, friday):
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.facilitator).get(f"/cohorts/{world.cohort.slug}/attendance").text)
        person = _text(
            client.get(
                f"/cohorts/{world.cohort.slug}/attendance/{enrolment_of(world.cohort, world.participant).id}"
            ).text
        )
    assert "0 (+2 waiting)" in text  # the session's row: both people, neither counted yet
    assert "Not marked yet – waiting for the register" in person


def test_the_setting_at_zero_counts_an_unmarked_session_at_once(app, client, world, sign_in, friday):
    app.config["REGISTER_DEADLINE_WORKING_DAYS"] = 0
    with time_machine.travel(datetime(2026, 11, 27, 17, 0, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.participant).get("/my-schedule").text)
    assert "Missed 1 (1 not marked, counted as absent)" in text


@pytest.mark.parametrize("value", ["-1", "21", "two"])
def test_the_setting_is_checked_at_start_up(monkeypatch, value):
    monkeypatch.setenv("REGISTER_DEADLINE_WORKING_DAYS", value)
    with pytest.raises(ConfigError, match="REGISTER_DEADLINE_WORKING_DAYS"):
        load_config()


def test_the_setting_defaults_to_two(monkeypatch):
    monkeypatch.delenv("REGISTER_DEADLINE_WORKING_DAYS", raising=False)
    assert load_config()["REGISTER_DEADLINE_WORKING_DAYS"] == 2


# Check-in: My schedule and the live count -----------------------------------------------------


@pytest.fixture
def running(world):
    starts = utcnow().replace(microsecond=0) - timedelta(minutes=5)
    session = make_session(world.cohort, title="Workshop: Serving models")
    session.starts_at, session.ends_at = starts, starts + timedelta(hours=2)
    db.session.commit()
    check_in = service.open_check_in(world.facilitator, session, 15, 10)
    db.session.commit()
    return session, check_in


def count_url(session) -> str:
    return f"/cohorts/{session.cohort.slug}/sessions/{session.id}/check-in/count"


def test_my_schedule_says_when_i_checked_in_instead_of_offering_it(client, world, sign_in, running):
    session, check_in = running
    client = sign_in(world.participant)
    before = _text(client.get("/my-schedule").text)
    assert "Check in to this session" in before
    client.post("/check-in", data={"code": check_in.code})
    after = _text(client.get("/my-schedule").text)
    assert "Check in to this session" not in after
    assert "You checked in at" in after
    assert "On now – check in" not in after


def test_my_schedule_loads_marks_in_one_query_whatever_the_sessions(app, client, world, sign_in, running):
    client = sign_in(world.participant)
    with count_queries(db.engine) as few:
        client.get("/my-schedule")
    for n in range(6):
        make_session(world.cohort, world.cohort.start_date + timedelta(days=n % 5), title=f"Extra {n}")
    db.session.commit()
    with count_queries(db.engine) as many:
        client.get("/my-schedule")
    assert len(many) == len(few)


def test_the_live_count_answers_with_the_count(client, world, sign_in, running):
    session, check_in = running
    sign_in(world.participant).post("/check-in", data={"code": check_in.code})
    answer = sign_in(world.facilitator).get(count_url(session))
    assert answer.status_code == 200
    assert answer.json == {"checked_in": 1, "expected": 2, "text": "1 of 2 checked in"}
    assert answer.headers["Cache-Control"] == "no-store"
    page = client.get(f"/cohorts/{world.cohort.slug}/sessions/{session.id}/check-in")
    text = _text(page.text)
    assert "1 of 2 checked in" in text
    assert 'aria-live="polite"' in page.text and "Refresh" in text  # Refresh works without JavaScript
    nonce = re.search(r"'nonce-([^']+)'", page.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}" src="/static/js/check-in-count.js"' in page.text
    assert "onclick" not in page.text
    assert "People who check in are marked present, or late after" in text


def test_the_participant_page_uses_the_same_words(client, world, sign_in):
    text = _text(sign_in(world.participant).get("/check-in").text)
    assert "You are marked present, or late once the grace period after the start has passed." in text


def test_the_live_count_is_for_the_cohorts_staff(client, world, sign_in, running):
    session, _ = running
    assert sign_in(world.other_facilitator).get(count_url(session)).status_code == 404
    assert sign_in(world.sponsor).get(count_url(session)).status_code == 403
    assert sign_in(world.participant).get(count_url(session)).status_code == 403
    assert sign_in(world.admin).get(count_url(session)).status_code == 200
    bad = f"/cohorts/{world.cohort.slug}/sessions/999999999/check-in/count"
    assert sign_in(world.facilitator).get(bad).status_code == 404
    assert client.get(f"/cohorts/no-such-cohort/sessions/{session.id}/check-in/count").status_code == 404
    assert (
        client.get(f"/cohorts/{world.cohort.slug}/sessions/99999999999999/check-in/count").status_code == 404
    )


def test_a_withdrawn_participant_is_not_expected(client, world, sign_in, running):
    session, _ = running
    _withdraw(world, world.other_participant)
    db.session.commit()
    assert sign_in(world.facilitator).get(count_url(session)).json["expected"] == 1


# The dashboard's hackathon team nudge ----------------------------------------------------------


def _dashboard(sign_in, user) -> str:
    return _text(sign_in(user).get("/dashboard").text)


def test_nudge_within_14_days(client, world, sign_in):
    hackathon = factories.make_hackathon(
        world.cohort, days_from_today=14, title="Hackathon 2: department challenges"
    )
    db.session.commit()
    text = _dashboard(sign_in, world.participant)
    assert "You are not in a team for Hackathon 2: department challenges (starts" in text
    page = client.get("/dashboard").text
    assert f'/cohorts/{world.cohort.slug}/hackathons/{hackathon.id}"' in page


def test_no_nudge_at_15_days(client, world, sign_in):
    factories.make_hackathon(world.cohort, days_from_today=15)
    db.session.commit()
    assert "You are not in a team" not in _dashboard(sign_in, world.participant)


def test_no_nudge_once_in_a_team(client, world, sign_in):
    hackathon = factories.make_hackathon(world.cohort, days_from_today=3)
    factories.make_team(hackathon, [world.participant])
    db.session.commit()
    assert "You are not in a team" not in _dashboard(sign_in, world.participant)
    assert "You are not in a team" in _dashboard(sign_in, world.other_participant)


def test_no_nudge_for_a_withdrawn_participant(client, world, sign_in):
    factories.make_hackathon(world.cohort, days_from_today=3)
    _withdraw(world, world.participant)
    db.session.commit()
    assert "You are not in a team" not in _dashboard(sign_in, world.participant)


def test_no_nudge_for_an_ended_or_cancelled_hackathon(client, world, sign_in):
    factories.make_hackathon(world.cohort, days_from_today=-1)
    cancelled = factories.make_hackathon(world.cohort, days_from_today=2)
    cancelled.cancelled_at, cancelled.cancellation_reason = utcnow(), "Venue closed"
    db.session.commit()
    assert "You are not in a team" not in _dashboard(sign_in, world.participant)


# Enrolling late ----------------------------------------------------------------------------------


def test_default_enrolment_date(app):
    cohort = factories.make_cohort(start=date(2026, 9, 28))  # 12 weeks: last day Friday 18 December
    assert default_enrolment_date(cohort, date(2026, 11, 20)) == date(2026, 11, 20)  # running: today
    assert default_enrolment_date(cohort, date(2026, 9, 1)) == date(2026, 9, 28)  # not started yet
    assert default_enrolment_date(cohort, date(2027, 1, 8)) == date(2026, 9, 28)  # over: all along


def test_the_enrol_form_of_an_ended_cohort_starts_at_its_start_date(client, world, sign_in):
    past = factories.make_cohort("AI Accelerator — Spring", start=date(2026, 3, 2))
    db.session.commit()
    page = sign_in(world.admin).get(f"/cohorts/{past.slug}/enrol").text
    assert 'id="enrolled_on-day" name="enrolled_on" type="text" value="02"' in page
    assert 'id="enrolled_on-month" name="enrolled_on" type="text" value="03"' in page
    assert 'id="enrolled_on-year" name="enrolled_on" type="text" value="2026"' in page


def test_the_dashboard_says_when_i_checked_in_too(client, world, sign_in, running):
    session, check_in = running
    client = sign_in(world.participant)
    assert "Check in to this session" in _text(client.get("/dashboard").text)
    client.post("/check-in", data={"code": check_in.code})
    text = _text(client.get("/dashboard").text)
    assert "Check in to this session" not in text and "You checked in at" in text


def test_finishing_waits_for_the_last_register(client, world, sign_in):
    from cohort.completion.service import CompletionError, finish

    # A 1-week cohort from Monday 23 November 2026: its last day is Friday 27 November, and its
    # only session that afternoon has no marks. England and Wales: the deadline is the end of
    # Tuesday 1 December.
    cohort = factories.make_cohort("AI Accelerator — Short", start=date(2026, 11, 23))
    cohort.length_weeks = 1
    factories.enrol(cohort, world.participant)
    make_session(cohort, date(2026, 11, 27), time(13, 0), time(16, 0), title="Final showcase")
    db.session.commit()
    with pytest.raises(CompletionError, match="1 person has a session waiting for the register"):
        finish(world.admin, cohort, datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    db.session.rollback()
    finish(world.admin, cohort, datetime(2026, 12, 2, 0, 0, tzinfo=UTC))  # the deadline has passed
    recorded = _enrolment_in(cohort, world.participant)
    assert recorded.status == EnrolmentStatus.NOT_COMPLETED  # 0 of 1: the showcase counted absent
    assert "Attendance 0% (0 of 1 sessions)" in recorded.outcome_reasons[0]["reason"]


def _enrolment_in(cohort, user) -> Enrolment:
    db.session.expire_all()
    return enrolment_of(cohort, user)


def test_the_register_says_until_when_it_can_be_taken(client, world, sign_in, friday):
    url = f"/cohorts/{world.cohort.slug}/sessions/{friday.id}/register"
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.facilitator).get(url).text)
    assert "2 people are not marked. Take the register by the end of Wednesday 2 December 2026" in text
    with time_machine.travel(datetime(2026, 12, 3, 10, 0, tzinfo=UTC), tick=False):
        text = _text(sign_in(world.facilitator).get(url).text)
    assert "Its register deadline has passed, so they count as absent until you mark them." in text
