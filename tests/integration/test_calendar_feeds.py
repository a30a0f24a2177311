"""Calendar feeds at secret links: made, replaced and turned off from the account; parsed
back with icalendar; Europe/London wall-clock times across the clock change (docs/rules.md §11.4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import AuditEvent, CalendarFeed, CohortStatus, EnrolmentStatus, Role
from tests import factories
from tests.sessions import make_session

LONDON = ZoneInfo("Europe/London")


def make_link(client) -> str:
    """Press "Make my calendar link" and return the new token."""
    response = client.post("/account/calendar/new")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/calendar")
    return db.session.scalar(select(CalendarFeed.token).order_by(CalendarFeed.created_at.desc()).limit(1))


def feed_of(user) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def parse(response) -> dict[str, object]:
    """The feed's events by summary."""
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(event["SUMMARY"]): event for event in calendar.walk("VEVENT")}


def test_make_replace_and_turn_off_calendar_links(app, client, world, sign_in):
    sign_in(world.participant)
    page = client.get("/account/calendar")
    assert page.status_code == 200
    assert "You do not have a calendar link at the moment." in page.text
    assert "AI Accelerator — Cohort 1" in page.text  # what the link will show

    token = make_link(client)
    page = client.get("/account/calendar")
    assert "Your calendar links are ready." in page.text
    assert f"http://localhost/calendar/{token}.ics" in page.text
    assert f"webcal://localhost/calendar/{token}.ics" in page.text
    assert f"http://localhost/calendar/{token}/{world.cohort.slug}.ics" in page.text
    assert "Keep these links to yourself." in page.text
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200  # no sign-in needed

    new_token = make_link(client)
    assert new_token != token
    assert "The old links no longer work" in client.get("/account/calendar").text
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{token}/{world.cohort.slug}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200

    assert client.post("/account/calendar/revoke").status_code == 302
    assert "Your calendar links are turned off." in client.get("/account/calendar").text
    assert feed_of(world.participant) is None
    assert client.get(f"/calendar/{new_token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}/{world.cohort.slug}.ics").status_code == 404
    # Turning off again is harmless.
    assert client.post("/account/calendar/revoke").status_code == 302

    summaries = [
        e.summary
        for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "calendar-link").order_by(AuditEvent.id)
        )
    ]
    assert summaries == [
        f"Made the calendar feed link of Siân O'Neill ({world.participant.email})",
        f"Replaced the calendar feed link of Siân O'Neill ({world.participant.email})",
        f"Turned off the calendar feed link of Siân O'Neill ({world.participant.email})",
    ]


def test_calendar_links_need_a_post_with_csrf(app, client, world, sign_in):
    sign_in(world.participant)
    assert client.get("/account/calendar/new").status_code == 405
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/account/calendar/new").status_code == 400
    assert feed_of(world.participant) is None


def test_each_person_has_their_own_link(client, world, sign_in):
    sign_in(world.participant)
    mine = make_link(client)
    sign_in(world.other_participant)
    theirs = make_link(client)
    assert mine != theirs
    assert feed_of(world.participant).token == mine  # making theirs did not touch mine


def test_ics_round_trip(client, world, sign_in):
    before = make_session(world.cohort, date(2026, 10, 20), time(9, 30), time(11), title="Serving models")
    after = make_session(world.cohort, date(2026, 10, 27), time(9, 30), time(11), title="Monitoring")
    gone = make_session(world.cohort, date(2026, 10, 28), time(14), time(16), title="Guest talk")
    gone.cancelled_at, gone.cancellation_reason = datetime.now(UTC), "Speaker ill"
    make_session(world.other_cohort, date(2026, 10, 21), title="Another cohort's workshop")
    db.session.commit()
    sign_in(world.participant)
    token = make_link(client)

    calendar = Calendar.from_ical(client.get(f"/calendar/{token}.ics").data)
    assert str(calendar["X-WR-CALNAME"]) == "Siân O'Neill – AI Accelerator schedule"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    found = parse(client.get(f"/calendar/{token}.ics"))
    assert set(found) == {"Serving models", "Monitoring", "Cancelled: Guest talk"}

    for summary, session, utc_hour in (("Serving models", before, 8), ("Monitoring", after, 9)):
        event = found[summary]
        start = event.decoded("DTSTART")
        assert event["DTSTART"].params["TZID"] == "Europe/London"
        assert (start.hour, start.minute) == (9, 30)  # the wall clock on both sides of the change
        assert start.astimezone(UTC) == datetime(2026, 10, session.starts_at.day, utc_hour, 30, tzinfo=UTC)
        assert start.astimezone(UTC) == session.starts_at
        assert event.decoded("DTEND").astimezone(UTC) == session.ends_at
        assert str(event["UID"]) == f"session-{session.id}@cohort.ai-accelerator"
        assert str(event["STATUS"]) == "CONFIRMED"
        assert "Cohort: AI Accelerator — Cohort 1" in str(event["DESCRIPTION"])
        assert str(event["URL"]).endswith(f"/cohorts/{world.cohort.slug}/sessions/{session.id}")
    cancelled = found["Cancelled: Guest talk"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Cancelled: Speaker ill" in str(cancelled["DESCRIPTION"])

    # A change keeps the UID and raises SEQUENCE, so calendar programs update the event.
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/sessions/{before.id}/edit",
        data={
            "kind": "workshop",
            "title": "Serving models (room change)",
            "day": ["20", "10", "2026"],
            "start": "9:30",
            "end": "11:00",
            "location": "Room 2",
            "facilitator": "",
        },
    )
    assert response.status_code == 302
    found = parse(client.get(f"/calendar/{token}.ics"))
    changed = found["Serving models (room change)"]
    assert str(changed["UID"]) == f"session-{before.id}@cohort.ai-accelerator"
    assert int(changed["SEQUENCE"]) == 1
    assert str(changed["LOCATION"]) == "Room 2"


def test_the_march_clock_change_in_the_feed(client, world, sign_in):
    cohort = factories.make_cohort(start=date(2027, 3, 1))
    factories.enrol(cohort, world.participant)
    make_session(cohort, date(2027, 3, 23), time(9, 30), time(12, 30), title="Before")
    make_session(cohort, date(2027, 3, 30), time(9, 30), time(12, 30), title="After")
    db.session.commit()
    sign_in(world.participant)
    token = make_link(client)
    found = parse(client.get(f"/calendar/{token}/{cohort.slug}.ics"))
    assert found["Before"].decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 23, 9, 30, tzinfo=UTC)
    assert found["After"].decoded("DTSTART").astimezone(UTC) == datetime(2027, 3, 30, 8, 30, tzinfo=UTC)
    assert (
        "DTSTART;TZID=Europe/London:20270330T093000"
        in client.get(f"/calendar/{token}/{cohort.slug}.ics").text
    )


def test_the_personal_feed_holds_only_the_persons_own_cohorts(client, world, sign_in):
    make_session(world.cohort, title="Ours")
    make_session(world.other_cohort, title="Theirs")
    left = factories.make_cohort("Left cohort")
    factories.enrol(left, world.participant, EnrolmentStatus.WITHDRAWN)
    make_session(left, title="Left behind")
    archived = factories.make_cohort(
        "Old cohort", status=CohortStatus.ARCHIVED, facilitators=[world.facilitator]
    )
    factories.enrol(archived, world.participant)
    make_session(archived, title="Long ago")
    db.session.commit()

    expected = {
        "participant": ({"Ours"}, {world.cohort}),
        "facilitator": ({"Ours"}, {world.cohort}),
        "sponsor": ({"Ours"}, {world.cohort}),  # MOJ's Siân is in it
    }
    for role, (summaries, cohorts) in expected.items():
        user = world.by_role(role)
        sign_in(user)
        token = make_link(client)
        assert set(parse(client.get(f"/calendar/{token}.ics"))) == summaries, role
        for cohort in (world.cohort, world.other_cohort, left, archived):
            status = client.get(f"/calendar/{token}/{cohort.slug}.ics").status_code
            assert status == (200 if cohort in cohorts else 404), (role, cohort.name)

    sign_in(world.other_facilitator)
    token = make_link(client)
    assert set(parse(client.get(f"/calendar/{token}.ics"))) == {"Theirs"}

    # The programme manager's feed has every current cohort, each event naming its cohort.
    sign_in(world.admin)
    token = make_link(client)
    assert set(parse(client.get(f"/calendar/{token}.ics"))) == {
        "Ours (AI Accelerator — Cohort 1)",
        "Theirs (AI Accelerator — Cohort 2)",
        "Left behind (Left cohort)",
    }


def test_a_deactivated_persons_link_stops_working(client, world, sign_in):
    sign_in(world.participant)
    token = make_link(client)
    world.participant.is_active_account = False
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/not-a-real-token-at-all.ics",
        "/calendar/" + "a" * 10_000 + ".ics",
        "/calendar/%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00%00.ics",
        "/calendar/'%20OR%201=1%20--%20xxxxxxxx.ics",
        "/calendar/.ics",
    ],
)
def test_wrong_links_are_not_found(client, world, path):
    assert client.get(path).status_code == 404


def test_hostile_cohort_names_in_the_link(client, world, sign_in):
    sign_in(world.participant)
    token = make_link(client)
    for slug in ("%00", "x" * 10_000, "no-such-cohort", world.other_cohort.slug):
        assert client.get(f"/calendar/{token}/{slug}.ics").status_code == 404


def test_an_empty_feed_still_parses(client, world, sign_in):
    sign_in(world.participant)
    token = make_link(client)
    response = client.get(f"/calendar/{token}.ics")
    assert parse(response) == {}
    assert 'filename="my-schedule.ics"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor", "admin"])
def test_calendar_page_per_role(client, world, sign_in, role):
    sign_in(world.by_role(role))
    make_link(client)
    page = client.get("/account/calendar")
    assert page.status_code == 200
    assert "Turn off my calendar links" in page.text and "Make new links" in page.text
    assert ("AI Accelerator — Cohort 2" in page.text) == (role == "admin")


def test_staff_without_cohorts_get_an_empty_feed(client, world, sign_in):
    lonely = factories.make_user(Role.FACILITATOR)
    db.session.commit()
    sign_in(lonely)
    token = make_link(client)
    assert "You are not in a current cohort" in client.get("/account/calendar").text
    assert parse(client.get(f"/calendar/{token}.ics")) == {}
