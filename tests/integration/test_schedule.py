"""The timetable through HTTP: adding, changing, cancelling and reinstating sessions,
the standard programme, the clock change, and who sees what."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from cohort.domain.bank_holidays import holidays
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import AuditEvent, BankHolidayDivision, Role, Session
from tests import factories
from tests.querycount import count_queries
from tests.sessions import make_session


def session_form(**changes) -> dict:
    """A valid session for the world's cohort (starts Monday 7 September 2026), then changes."""
    data = {
        "kind": "workshop",
        "title": "Serving models",
        "description": "Putting models behind APIs.",
        "day": ["8", "9", "2026"],  # Tuesday of week 1
        "start": "9:30",
        "end": "12:30",
        "location": "102 Petty France, room 4.12",
        "online_link": "",
        "facilitator": "",
        "mandatory": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def sessions_of(cohort) -> list[Session]:
    return list(
        db.session.scalars(select(Session).where(Session.cohort_id == cohort.id).order_by(Session.starts_at))
    )


def events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.entity_type == "Session")
            .order_by(AuditEvent.id)
        )
    )


def new_url(world) -> str:
    return f"/cohorts/{world.cohort.slug}/schedule/new"


# Adding a session -------------------------------------------------------------------


def test_admin_adds_a_session_that_shows_on_the_timetable_and_is_audited(client, world, sign_in):
    sign_in(world.admin)
    form = client.get(new_url(world))
    assert form.status_code == 200
    assert "Add a session" in form.text and "Kind of session" in form.text

    response = client.post(new_url(world), data=session_form(facilitator=str(world.facilitator.id)))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{world.cohort.slug}/schedule#week-1")

    [session] = sessions_of(world.cohort)
    assert session.title == "Serving models"
    assert session.starts_at == datetime(2026, 9, 8, 8, 30, tzinfo=UTC)  # 9:30am BST
    assert session.facilitator_id == world.facilitator.id
    assert session.mandatory is False
    [event] = events("create")
    assert event.actor_id == world.admin.id
    assert event.entity_id == session.id
    assert event.after["title"] == "Serving models"

    page = client.get(f"/cohorts/{world.cohort.slug}/schedule", follow_redirects=True)
    assert "“Serving models” added to the timetable." in page.text
    assert "Week 1" in page.text
    assert "Tuesday 8 September 2026" in page.text and "9:30am to 12:30pm" in page.text
    assert "Workshop" in page.text  # the kind as a word, not a colour
    assert "Fran Facilitator" in page.text


def test_ethics_sessions_are_mandatory_unless_the_form_says_otherwise(client, world, sign_in):
    sign_in(world.admin)
    client.post(new_url(world), data=session_form(kind="ethics", title="Ethics: Transparency"))
    client.post(
        new_url(world),
        data=session_form(
            kind="ethics", title="Ethics: optional reading", mandatory="no", start="14:00", end="15:00"
        ),
    )
    client.post(
        new_url(world),
        data=session_form(title="Compulsory workshop", mandatory="yes", start="16:00", end="17:00"),
    )
    assert {s.title: s.mandatory for s in sessions_of(world.cohort)} == {
        "Ethics: Transparency": True,
        "Ethics: optional reading": False,
        "Compulsory workshop": True,
    }


def test_end_before_start_is_refused(client, world, sign_in):
    sign_in(world.admin)
    for start, end in (("14:00", "13:00"), ("9:30", "9:30")):
        response = client.post(new_url(world), data=session_form(start=start, end=end))
        assert response.status_code == 400
        assert "There is a problem" in response.text
        assert "End time must be after the start time" in response.text
    assert sessions_of(world.cohort) == []
    assert events("create") == []


def test_a_date_outside_the_weeks_needs_confirming(client, world, sign_in):
    sign_in(world.admin)
    data = session_form(day=["1", "12", "2026"])  # the Tuesday after week 12
    response = client.post(new_url(world), data=data)
    assert response.status_code == 400
    assert "Tuesday 1 December 2026 is outside the cohort’s 12 weeks" in response.text
    assert "(Monday 7 September 2026 to Sunday 29 November 2026)" in response.text
    assert "tick “Save it anyway”" in response.text
    assert sessions_of(world.cohort) == []

    response = client.post(new_url(world), data={**data, "confirm": "y"})
    assert response.status_code == 302
    [session] = sessions_of(world.cohort)
    timetable = client.get(f"/cohorts/{world.cohort.slug}/schedule")
    assert "After week 12" in timetable.text
    page = client.get(f"/cohorts/{world.cohort.slug}/sessions/{session.id}")
    assert "outside the cohort’s 12 weeks" in page.text


def test_a_weekend_needs_confirming(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(new_url(world), data=session_form(day=["12", "9", "2026"]))
    assert response.status_code == 400
    assert "Saturday 12 September 2026 is at the weekend" in response.text


@pytest.mark.parametrize(
    ("day", "warned", "holiday"),
    [
        # Monday 4 January 2027 stands in for 2 January in Scotland only.
        (date(2027, 1, 4), {"scotland"}, "2nd January"),
        (date(2027, 3, 17), {"northern-ireland"}, "St Patrick’s Day"),
        (date(2027, 3, 29), {"england-and-wales", "northern-ireland"}, "Easter Monday"),
        (date(2027, 3, 26), {"england-and-wales", "scotland", "northern-ireland"}, "Good Friday"),
    ],
)
def test_bank_holiday_warning_follows_the_cohorts_division(client, world, sign_in, day, warned, holiday):
    sign_in(world.admin)
    for division in BankHolidayDivision:
        cohort = factories.make_cohort(start=date(2026, 12, 28))  # weeks 1-12 hold every day above
        cohort.length_weeks = 14
        cohort.bank_holiday_division = division
        db.session.commit()
        response = client.post(
            f"/cohorts/{cohort.slug}/schedule/new",
            data=session_form(day=[str(day.day), str(day.month), str(day.year)]),
        )
        if division.value in warned:
            assert response.status_code == 400, division
            assert f"is a bank holiday in {division.label} ({holiday})" in response.text
            assert sessions_of(cohort) == []
            response = client.post(
                f"/cohorts/{cohort.slug}/schedule/new",
                data={**session_form(day=[str(day.day), str(day.month), str(day.year)]), "confirm": "y"},
            )
            [session] = sessions_of(cohort)
            page = client.get(f"/cohorts/{cohort.slug}/sessions/{session.id}")
            assert f"This is a bank holiday in {division.label} ({holiday})" in page.text
        else:
            assert response.status_code == 302, (division, response.text)
            assert "bank holiday" not in client.get(response.headers["Location"]).text


def test_a_facilitator_cannot_be_booked_twice(client, world, sign_in):
    # Fran runs the other cohort too; a clash there counts.
    world.other_cohort.facilitators.append(world.facilitator)
    make_session(
        world.other_cohort,
        date(2026, 9, 8),
        time(11, 0),
        time(13, 0),
        title="Data engineering",
        facilitator=world.facilitator,
    )
    db.session.commit()
    sign_in(world.admin)
    response = client.post(new_url(world), data=session_form(facilitator=str(world.facilitator.id)))
    assert response.status_code == 400
    assert (
        "Fran Facilitator is already running “Data engineering” (AI Accelerator — Cohort 2) "
        "from 8 September 2026 at 11:00am to 1pm" in response.text
    )
    assert sessions_of(world.cohort) == []
    # Back to back is fine.
    response = client.post(
        new_url(world), data=session_form(start="9:00", end="11:00", facilitator=str(world.facilitator.id))
    )
    assert response.status_code == 302


def test_a_cancelled_session_does_not_block_the_facilitator(client, world, sign_in):
    cancelled = make_session(world.cohort, date(2026, 9, 8), facilitator=world.facilitator)
    cancelled.cancelled_at, cancelled.cancellation_reason = datetime.now(UTC), "Trainer ill"
    db.session.commit()
    sign_in(world.admin)
    response = client.post(new_url(world), data=session_form(facilitator=str(world.facilitator.id)))
    assert response.status_code == 302


def test_a_facilitator_of_another_cohort_is_refused(client, world, sign_in):
    sign_in(world.admin)
    for who in (world.other_facilitator.id, world.participant.id, world.admin.id, 999999):
        response = client.post(new_url(world), data=session_form(facilitator=str(who)))
        assert response.status_code == 400
        assert "Choose a facilitator of this cohort from the list" in response.text
    assert sessions_of(world.cohort) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"day": ["31", "2", "2027"]}, "Date must be a real date"),
        ({"day": ["", "", ""]}, "Enter the date of the session"),
        ({"day": ["8", "9", ""]}, "Date must include a year"),
        ({"day": ["8", "September", "2026"]}, "Date must be a real date, with a 4-digit year"),
        ({"day": ["8", "9", "999999999999"]}, "Date must be a real date, with a 4-digit year"),
        ({"day": ["1", "1", "0001"]}, "Date must be in the years 2000 to 2100"),
        ({"day": ["31", "12", "9999"]}, "Date must be in the years 2000 to 2100"),
        ({"day": None}, "Enter the date of the session"),
        ({"start": "25:00"}, "Start time must be a time of day, like 9:30 or 14:00"),
        ({"start": "9"}, "Start time must be a time of day"),
        ({"start": "9" * 10_000}, "Start time must be a time of day"),
        ({"end": "noon\x00"}, "End time must be a time of day"),
        ({"end": ""}, "Enter the end time, like 12:30"),
        ({"title": ""}, "Enter the session title"),
        ({"title": "x" * 10_000}, "Title must be 120 characters or fewer"),
        ({"title": "Serving\x00models"}, "Title must not contain invisible or control characters"),
        ({"description": "d" * 10_000}, "Description must be 2,000 characters or fewer"),
        ({"location": "Room\x001"}, "Location must not contain invisible or control characters"),
        ({"online_link": "javascript:alert(1)"}, "Online link must be a web address starting with https://"),
        ({"online_link": "https://" + "a" * 600}, "Online link must be 500 characters or fewer"),
        ({"kind": "party"}, "Select the kind of session"),
        ({"kind": None}, "Select the kind of session"),
        ({"mandatory": "perhaps"}, "Select yes or no"),
        ({"facilitator": "1" * 10_000}, "Choose a facilitator of this cohort from the list"),
        ({"facilitator": "\x00"}, "Choose a facilitator of this cohort from the list"),
    ],
)
def test_hostile_input_gets_a_clear_message_and_writes_nothing(client, world, sign_in, changes, message):
    sign_in(world.admin)
    response = client.post(new_url(world), data=session_form(**changes))
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert sessions_of(world.cohort) == []
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_times_typed_in_many_ways(client, world, sign_in):
    sign_in(world.admin)
    for n, (start, end, expected) in enumerate(
        [("9.30", "12.30", "9:30am to 12:30pm"), ("0930", "1230", None), ("2pm", "4:30pm", "2pm to 4:30pm")]
    ):
        day = str(8 + n)
        response = client.post(
            new_url(world), data=session_form(day=[day, "9", "2026"], start=start, end=end)
        )
        assert response.status_code == 302, response.text
        if expected:
            assert expected in client.get(f"/cohorts/{world.cohort.slug}/schedule").text


def test_a_time_that_does_not_exist_is_refused(client, world, sign_in):
    """01:30 on Sunday 28 March 2027 is skipped when the clocks go forward."""
    cohort = factories.make_cohort(start=date(2027, 3, 1))
    db.session.commit()
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{cohort.slug}/schedule/new",
        data={**session_form(day=["28", "3", "2027"], start="1:30", end="3:00"), "confirm": "y"},
    )
    assert response.status_code == 400
    assert "Start time 01:30 does not exist on Sunday 28 March 2027: the clocks go forward" in response.text


def test_the_date_in_the_address_fills_the_form(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(new_url(world) + "?date=2026-09-14")
    assert 'value="14"' in page.text and 'value="2026"' in page.text
    for bad in ("2026-02-31", "x" * 10_000, "\x00"):
        assert client.get(new_url(world), query_string={"date": bad}).status_code == 200


# Changing, cancelling and reinstating ------------------------------------------------------


def test_edit_changes_the_session_and_records_before_and_after(client, world, sign_in):
    session = make_session(world.cohort, date(2026, 9, 8), title="Serving models")
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit"
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Serving models"' in page.text and 'value="09:30"' in page.text

    response = client.post(
        url, data=session_form(title="Serving models at scale", start="10:00", end="13:00")
    )
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.title == "Serving models at scale"
    assert session.starts_at == datetime(2026, 9, 8, 9, 0, tzinfo=UTC)
    assert session.sequence == 1
    [event] = events("update")
    assert event.before == {
        "title": "Serving models",
        "description": None,
        "starts_at": "2026-09-08T08:30:00+00:00",
        "ends_at": "2026-09-08T11:30:00+00:00",
        "location": None,
    }
    assert event.after["title"] == "Serving models at scale"
    assert "“Serving models at scale” updated." in client.get(response.headers["Location"]).text


def test_editing_a_confirmed_date_does_not_ask_again(client, world, sign_in):
    session = make_session(world.cohort, date(2026, 12, 1), title="Late extra")  # after week 12
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit"
    response = client.post(url, data=session_form(title="Late extra, renamed", day=["1", "12", "2026"]))
    assert response.status_code == 302
    response = client.post(url, data=session_form(title="Late extra, moved", day=["2", "12", "2026"]))
    assert response.status_code == 400
    assert "Wednesday 2 December 2026 is outside the cohort’s 12 weeks" in response.text


def test_edit_keeps_its_own_slot_but_not_someone_elses(client, world, sign_in):
    mine = make_session(world.cohort, date(2026, 9, 8), facilitator=world.facilitator, title="Mine")
    make_session(world.cohort, date(2026, 9, 9), facilitator=world.facilitator, title="Theirs")
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/sessions/{mine.id}/edit"
    same = session_form(title="Mine", facilitator=str(world.facilitator.id))
    assert client.post(url, data=same).status_code == 302
    response = client.post(url, data={**same, "day": ["9", "9", "2026"]})
    assert response.status_code == 400
    assert "Fran Facilitator is already running “Theirs”" in response.text


def test_a_facilitator_who_left_the_cohort_stays_on_sessions_they_run(client, world, sign_in):
    session = make_session(world.cohort, date(2026, 9, 8), facilitator=world.other_facilitator, title="Guest")
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/sessions/{session.id}/edit"
    assert "Otto Facilitator" in client.get(url).text
    response = client.post(url, data=session_form(title="Guest", facilitator=str(world.other_facilitator.id)))
    assert response.status_code == 302


def test_cancel_needs_a_reason_then_reinstate(client, world, sign_in):
    session = make_session(world.cohort, date(2026, 9, 8), title="Serving models")
    db.session.commit()
    sign_in(world.admin)
    base = f"/cohorts/{world.cohort.slug}/sessions/{session.id}"
    assert "Why is it cancelled?" in client.get(base + "/cancel").text
    for reason, message in (
        ("", "Enter why the session is cancelled"),
        ("r" * 10_000, "Reason must be 500 characters or fewer"),
        ("ill\x00", "Reason must not contain invisible or control characters"),
    ):
        response = client.post(base + "/cancel", data={"reason": reason})
        assert response.status_code == 400
        assert message in response.text
    assert events("cancel") == []

    response = client.post(base + "/cancel", data={"reason": "Trainer ill: will be rearranged"})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.cancelled and session.cancellation_reason == "Trainer ill: will be rearranged"
    assert session.cancelled_by_id == world.admin.id
    [event] = events("cancel")
    assert event.after["cancellation_reason"] == "Trainer ill: will be rearranged"
    page = client.get(base)
    assert "This session is cancelled." in page.text and "Trainer ill: will be rearranged" in page.text
    assert "Cancelled" in client.get(f"/cohorts/{world.cohort.slug}/schedule").text
    # Cancelling twice just says so.
    again = client.get(base + "/cancel", follow_redirects=True)
    assert "This session is already cancelled." in again.text

    response = client.post(base + "/reinstate")
    assert response.status_code == 302
    db.session.refresh(session)
    assert not session.cancelled and session.cancellation_reason is None
    assert len(events("reinstate")) == 1
    assert "is back on the timetable" in client.get(base).text
    # Reinstating one that is not cancelled changes nothing.
    client.post(base + "/reinstate")
    assert len(events("reinstate")) == 1


def test_reinstate_is_refused_when_the_facilitator_is_now_busy(client, world, sign_in):
    first = make_session(world.cohort, date(2026, 9, 8), facilitator=world.facilitator, title="First")
    first.cancelled_at, first.cancellation_reason = datetime.now(UTC), "Moved"
    make_session(world.cohort, date(2026, 9, 8), facilitator=world.facilitator, title="Replacement")
    db.session.commit()
    sign_in(world.admin)
    base = f"/cohorts/{world.cohort.slug}/sessions/{first.id}"
    page = client.post(base + "/reinstate", follow_redirects=True)
    assert "Fran Facilitator is now running “Replacement”" in page.text
    db.session.refresh(first)
    assert first.cancelled
    assert events("reinstate") == []


def test_another_cohorts_session_is_not_found(client, world, sign_in):
    theirs = make_session(world.other_cohort, title="Not yours")
    db.session.commit()
    sign_in(world.admin)
    for path in ("", "/edit", "/cancel"):
        assert client.get(f"/cohorts/{world.cohort.slug}/sessions/{theirs.id}{path}").status_code == 404
    assert (
        client.post(
            f"/cohorts/{world.cohort.slug}/sessions/{theirs.id}/edit", data=session_form()
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/cohorts/{world.cohort.slug}/sessions/{theirs.id}/cancel", data={"reason": "x"}
        ).status_code
        == 404
    )
    assert client.post(f"/cohorts/{world.cohort.slug}/sessions/{theirs.id}/reinstate").status_code == 404
    for bad in ("0", "99999999999999999999", "-1", "abc"):
        assert client.get(f"/cohorts/{world.cohort.slug}/sessions/{bad}").status_code == 404
    db.session.refresh(theirs)
    assert theirs.title == "Not yours" and not theirs.cancelled


def test_staff_outside_the_cohort_and_wrong_roles(client, world, sign_in):
    session = make_session(world.cohort, title="Serving models")
    db.session.commit()
    base = f"/cohorts/{world.cohort.slug}"
    sign_in(world.other_facilitator)
    assert client.get(f"{base}/schedule").status_code == 404
    assert client.get(f"{base}/sessions/{session.id}").status_code == 404
    sign_in(world.other_sponsor)  # DVLA has Zoë in the cohort: may look, may not change
    assert client.get(f"{base}/schedule").status_code == 200
    assert client.post(f"{base}/schedule/new", data=session_form()).status_code == 403
    sign_in(world.facilitator)
    assert client.post(f"{base}/sessions/{session.id}/cancel", data={"reason": "x"}).status_code == 403
    assert sessions_of(world.cohort)[0].cancelled is False


# What each role sees ---------------------------------------------------------------------


def test_timetable_per_role(client, world, sign_in):
    s = make_session(world.cohort, date(2026, 9, 8), title="Serving models", facilitator=world.facilitator)
    make_session(
        world.cohort, date(2026, 9, 10), time(14), time(16), kind=SessionKind.ETHICS, title="Ethics: Bias"
    )
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/schedule"
    for role in ("participant", "facilitator", "sponsor", "admin"):
        sign_in(world.by_role(role))
        page = client.get(url)
        assert page.status_code == 200, role
        assert "Serving models" in page.text and "Ethics: Bias" in page.text
        assert "Mandatory" in page.text and "Ethics" in page.text
        for n in range(1, 13):
            assert f'id="week-{n}"' in page.text
        assert ("Add a session" in page.text) == (role == "admin")
        session_page = client.get(f"/cohorts/{world.cohort.slug}/sessions/{s.id}")
        assert ("Take the register" in session_page.text) == (role in ("admin", "facilitator")), role
        assert ("Cancel the session" in session_page.text) == (role == "admin"), role


def test_empty_timetable_offers_the_standard_programme(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/schedule")
    assert "0 sessions over 12 weeks" in page.text
    assert "Apply the standard programme" in page.text
    assert page.text.count("No sessions this week.") == 12


def test_timetable_queries_do_not_grow_with_participants(client, world, sign_in):
    for n in range(6):
        make_session(
            world.cohort, date(2026, 9, 8 + n % 4), time(9 + n), time(10 + n), facilitator=world.facilitator
        )
    db.session.commit()
    sign_in(world.admin)
    counts = []
    for extra in (8, 90):  # 10, then 100 participants
        for _ in range(extra):
            factories.enrol(world.cohort, factories.make_user(Role.PARTICIPANT, world.moj))
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get(f"/cohorts/{world.cohort.slug}/schedule").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# The standard programme --------------------------------------------------------------------


def test_apply_the_standard_programme_to_a_12_week_cohort(client, world, sign_in):
    world.cohort.facilitators.append(world.other_facilitator)
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/schedule/standard"
    preview = client.get(url)
    assert preview.status_code == 200
    assert "The plan: 19 sessions" in preview.text
    for expected in ("12 workshops", "4 ethics modules (mandatory)", "2 hackathons", "1 final showcase"):
        assert expected in preview.text
    assert sessions_of(world.cohort) == []  # a preview writes nothing

    response = client.post(url)
    assert response.status_code == 302
    sessions = sessions_of(world.cohort)
    kinds = Counter(s.kind for s in sessions)
    assert kinds == {
        SessionKind.WORKSHOP: 12,
        SessionKind.ETHICS: 4,
        SessionKind.HACKATHON: 2,
        SessionKind.SHOWCASE: 1,
    }
    ethics = [s.title for s in sessions if s.kind == SessionKind.ETHICS]
    assert ethics == [
        "Ethics: Transparency",
        "Ethics: Accountability",
        "Ethics: Bias and fairness",
        "Ethics: Data protection",
    ]
    assert all(s.mandatory for s in sessions if s.kind == SessionKind.ETHICS)
    assert {s.week for s in sessions if s.kind == SessionKind.WORKSHOP} == set(range(1, 13))
    [showcase] = [s for s in sessions if s.kind == SessionKind.SHOWCASE]
    assert showcase.day == date(2026, 11, 27) and showcase.week == 12
    assert {s.facilitator_id for s in sessions} == {world.facilitator.id, world.other_facilitator.id}
    assert len(events("create")) == 19
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "standard-programme")) == 1

    page = client.get(response.headers["Location"])
    assert "The standard programme is on the timetable: 19 sessions added." in page.text
    assert "Hackathon 2: department challenges" in page.text

    # Applying twice asks first, with a confirmation of its own (docs/rules.md §2.5).
    again = client.post(url)
    assert again.status_code == 400
    assert "This cohort already has 19 sessions" in again.text
    assert len(sessions_of(world.cohort)) == 19
    assert client.post(url, data={"confirm": "y"}).status_code == 400
    assert len(sessions_of(world.cohort)) == 19
    assert client.post(url, data={"existing": "19", "add_beside": "y"}).status_code == 302
    assert len(sessions_of(world.cohort)) == 38


def test_the_standard_programme_moves_off_the_divisions_bank_holidays(client, world, sign_in):
    """A 4-week cohort from 1 March 2027 ends on Good Friday; in England Easter Monday follows."""
    sign_in(world.admin)
    for division, moved_to in (
        (BankHolidayDivision.ENGLAND_AND_WALES, date(2027, 3, 30)),
        (BankHolidayDivision.SCOTLAND, date(2027, 3, 29)),  # no Easter Monday holiday in Scotland
    ):
        cohort = factories.make_cohort(start=date(2027, 3, 1))
        cohort.length_weeks = 4
        cohort.bank_holiday_division = division
        db.session.commit()
        url = f"/cohorts/{cohort.slug}/schedule/standard"
        preview = client.get(url)
        assert "Moved from Friday 26 March 2027: Good Friday" in preview.text
        assert "after the cohort’s last week" in preview.text
        response = client.post(url)
        assert response.status_code == 400  # the showcase falls after week 4: confirm first
        response = client.post(url, data={"confirm": "y"})
        assert response.status_code == 302
        sessions = sessions_of(cohort)
        assert Counter(s.kind for s in sessions)[SessionKind.WORKSHOP] == 4
        assert Counter(s.kind for s in sessions)[SessionKind.ETHICS] == 4
        assert Counter(s.kind for s in sessions)[SessionKind.HACKATHON] == 2
        [showcase] = [s for s in sessions if s.kind == SessionKind.SHOWCASE]
        assert showcase.day == moved_to, division
        days_off = holidays(division.value)
        assert not [s.title for s in sessions if s.day in days_off]
        assert all(s.day.weekday() < 5 for s in sessions)


@pytest.mark.parametrize("weeks", [6, 16])
def test_the_standard_programme_scales(client, world, sign_in, weeks):
    cohort = factories.make_cohort(start=date(2027, 1, 4))
    cohort.length_weeks = weeks
    cohort.bank_holiday_division = BankHolidayDivision.SCOTLAND  # 4 January 2027 is a holiday there
    db.session.commit()
    sign_in(world.admin)
    response = client.post(f"/cohorts/{cohort.slug}/schedule/standard")
    assert response.status_code == 302
    sessions = sessions_of(cohort)
    kinds = Counter(s.kind for s in sessions)
    assert kinds == {
        SessionKind.WORKSHOP: weeks,
        SessionKind.ETHICS: 4,
        SessionKind.HACKATHON: 2,
        SessionKind.SHOWCASE: 1,
    }
    assert all(1 <= s.week <= weeks for s in sessions)
    assert date(2027, 1, 4) not in {s.day for s in sessions}
    [first] = [s for s in sessions if s.week == 1 and s.kind == SessionKind.WORKSHOP]
    assert first.day == date(2027, 1, 5)  # the welcome moves to Tuesday


# The clock change ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "day", "utc_hour"),
    [
        (date(2026, 9, 7), ["20", "10", "2026"], 8),  # the week before the clocks go back: BST
        (date(2026, 9, 7), ["27", "10", "2026"], 9),  # after the last Sunday of October: GMT
        (date(2027, 3, 1), ["23", "3", "2027"], 9),  # before the last Sunday of March: GMT
        (date(2027, 3, 1), ["30", "3", "2027"], 8),  # after it: BST
    ],
)
def test_a_0930_session_stays_at_0930_across_the_clock_change(client, world, sign_in, start, day, utc_hour):
    cohort = world.cohort if start == world.cohort.start_date else factories.make_cohort(start=start)
    db.session.commit()
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{cohort.slug}/schedule/new", data=session_form(day=day, start="9:30", end="11:00")
    )
    assert response.status_code == 302, response.text
    [session] = sessions_of(cohort)
    assert session.starts_at.hour == utc_hour and session.starts_at.minute == 30
    page = client.get(f"/cohorts/{cohort.slug}/sessions/{session.id}")
    assert "9:30am to 11am" in page.text
    assert "9:30am to 11am" in client.get(f"/cohorts/{cohort.slug}/schedule").text
    assert 'value="09:30"' in client.get(f"/cohorts/{cohort.slug}/sessions/{session.id}/edit").text


@pytest.mark.parametrize("slug", ["%00", "x" * 10_000, "no-such-cohort"])
def test_hostile_cohort_addresses_are_not_found(client, world, sign_in, slug):
    sign_in(world.admin)
    for path in ("schedule", "schedule/new", "schedule/standard", "sessions/1"):
        assert client.get(f"/cohorts/{slug}/{path}").status_code == 404


def test_the_preview_says_when_bank_holidays_are_not_known(client, world, sign_in):
    later = factories.make_cohort(start=date(2028, 11, 6))  # runs into 2029: beyond the cached data
    db.session.commit()
    sign_in(world.admin)
    assert (
        "Check the dates after that yourself" in client.get(f"/cohorts/{later.slug}/schedule/standard").text
    )
    assert (
        "Check the dates after that yourself"
        not in client.get(f"/cohorts/{world.cohort.slug}/schedule/standard").text
    )
