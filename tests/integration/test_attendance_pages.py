"""Attendance figures on the pages (docs/rules.md §3) against hand-computed values, at-risk flags
(§4.1), catch-ups for missed mandatory sessions, and attendance on the cohort page and profiles."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date, week_of
from cohort.extensions import db
from cohort.models import AttendanceMark, AuditEvent, CatchUp, Cohort, Enrolment, Role, Session, User
from cohort.models.base import utcnow
from tests import factories
from tests.querycount import count_queries


def held(cohort, days_ago: float, title: str, *, mandatory=False, kind=SessionKind.WORKSHOP) -> Session:
    starts = utcnow().replace(microsecond=0) - timedelta(days=days_ago)
    session = Session(
        cohort=cohort,
        kind=kind,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        mandatory=mandatory,
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    return session


@dataclass
class Figures:
    cohort: Cohort
    sessions: dict[str, Session]
    people: dict[str, User]
    enrolments: dict[str, Enrolment]


@pytest.fixture
def figures(world) -> Figures:
    """Five people and six sessions, with the marks below; hand-computed figures in the tests.

    s1 ethics (mandatory), s2, s3, s4 ended; s5 cancelled; s6 in two days.
        Amara (MOJ):  present, late, excused, (no mark), [present on the cancelled one]
        Ben (MOJ):    absent, present, present, present
        Cara (DVLA):  joined after s3; present at s4
        Dev (DVLA):   excused at everything
        Ed (MOJ):     joined today
    """
    today = london_date(utcnow())
    cohort = factories.make_cohort(
        "Figures cohort", start=today - timedelta(days=25), facilitators=[world.facilitator]
    )
    s = {
        "s1": held(cohort, 20, "Ethics: Bias and fairness", mandatory=True, kind=SessionKind.ETHICS),
        "s2": held(cohort, 15, "Workshop: Pipelines"),
        "s3": held(cohort, 10, "Workshop: Testing models"),
        "s4": held(cohort, 5, "Workshop: Serving models"),
        "s5": held(cohort, 3, "Workshop: Cancelled one"),
        "s6": held(cohort, -2, "Workshop: Still to come"),
    }
    s["s5"].cancelled_at = utcnow()
    s["s5"].cancellation_reason = "Trainer ill"
    people, enrolments = {}, {}
    for name, department in [
        ("Amara", world.moj),
        ("Ben", world.moj),
        ("Cara", world.dvla),
        ("Dev", world.dvla),
        ("Ed", world.moj),
    ]:
        people[name] = factories.make_user(Role.PARTICIPANT, department, full_name=f"{name} Tester")
        enrolments[name] = factories.enrol(cohort, people[name])
    enrolments["Cara"].enrolled_on = london_date(s["s3"].starts_at) + timedelta(days=1)
    enrolments["Ed"].enrolled_on = today
    marks = {
        "Amara": {"s1": "present", "s2": "late", "s3": "excused", "s5": "present"},
        "Ben": {"s1": "absent", "s2": "present", "s3": "present", "s4": "present"},
        "Cara": {"s4": "present"},
        "Dev": {"s1": "excused", "s2": "excused", "s3": "excused", "s4": "excused"},
    }
    for name, by_session in marks.items():
        for key, mark in by_session.items():
            db.session.add(AttendanceMark(session=s[key], enrolment=enrolments[name], mark=mark))
    db.session.commit()
    return Figures(cohort, s, people, enrolments)


def section(page: str, start: str, end: str | None = None) -> str:
    part = page.split(f'id="{start}"', 1)[1]
    return part.split(f'id="{end}"', 1)[0] if end else part


def row(part: str, name: str) -> str:
    """The text of the table row naming `name`, tags dropped, spaces collapsed."""
    for chunk in part.split("<tr")[1:]:
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", "<tr" + chunk.split("</tr>")[0])).split())
        if name in text:
            return text
    raise AssertionError(f"no row for {name}")


def attendance_url(f: Figures) -> str:
    return f"/cohorts/{f.cohort.slug}/attendance"


# docs/rules.md §3 figures ---------------------------------------------------------------


def test_per_participant_figures_match_hand_computed_values(world, sign_in, figures):
    page = sign_in(world.facilitator).get(attendance_url(figures)).text
    people = section(page, "participants", "sessions")
    # Amara: s1..s4 count (s5 cancelled, s6 not held); s3 excused; s4 unmarked → absent: 2 of 3.
    assert row(people, "Amara Tester") == "Amara Tester MOJ 67% 2 of 3 (1 late) 1 0 1 At risk"
    assert row(people, "Ben Tester") == "Ben Tester MOJ 75% 3 of 4 0 1 0 At risk"
    # Cara joined after s3: only s4 counts.
    assert row(people, "Cara Tester") == "Cara Tester DVLA 100% 1 of 1 0 0 0 On track"
    # Excused from everything, or nothing ended since joining: no data, not 0 %.
    # Dev was excused from the mandatory ethics session without a catch-up: at risk all the same.
    assert row(people, "Dev Tester") == "Dev Tester DVLA No data 0 of 0 4 0 0 At risk"
    assert row(people, "Ed Tester") == "Ed Tester MOJ No data 0 of 0 0 0 0 On track"


def test_per_session_and_department_figures(world, sign_in, figures):
    page = sign_in(world.admin).get(attendance_url(figures)).text
    sessions = section(page, "sessions", "departments")
    # s1: Amara present, Ben absent, Dev excused (Cara, Ed joined later): 1 of 2.
    assert "50% 1 of 2 1 1 0" in row(sessions, "Ethics: Bias and fairness")
    # s4: Ben, Cara present, Dev excused, Amara not marked: 2 of 3.
    assert "67% 2 of 3 1 0 1" in row(sessions, "Workshop: Serving models")
    assert "Cancelled – does not count" in row(sessions, "Workshop: Cancelled one")
    assert "Not yet held" in row(sessions, "Workshop: Still to come")
    departments = section(page, "departments")
    # MOJ pooled: Amara 2 of 3, Ben 3 of 4, Ed nothing: 5 of 7 = 71.4 %.
    assert row(departments, "Ministry of Justice") == "Ministry of Justice 3 71% 5 of 7 (1 late) 1 2 2"
    assert row(departments, "Driver and Vehicle") == "Driver and Vehicle Licensing Agency 2 100% 1 of 1 4 0 1"
    # Everyone: 6 of 8.
    assert "75%" in page.split('id="at-risk"')[0]
    assert "6 of 8 (1 late) places at sessions" in page


def test_at_risk_flags_with_reasons(world, sign_in, figures):
    page = sign_in(world.facilitator).get(attendance_url(figures)).text
    at_risk = section(page, "at-risk", "participants")
    week = week_of(figures.cohort.start_date, figures.sessions["s1"].starts_at)
    assert row(at_risk, "Amara Tester") == "Amara Tester Attendance 67% (2 of 3 sessions) — needs 80%"
    assert row(at_risk, "Ben Tester") == (
        f"Ben Tester Attendance 75% (3 of 4 sessions) — needs 80% Ethics: Bias and fairness (week {week}) missed, no catch-up"
    )
    # Excused is not attended: a mandatory session still needs a catch-up (docs/rules.md §5.1).
    assert (
        row(at_risk, "Dev Tester")
        == f"Dev Tester Ethics: Bias and fairness (week {week}) missed, no catch-up"
    )
    assert "Cara Tester" not in at_risk and "Ed Tester" not in at_risk


def test_department_filter(world, sign_in, figures):
    client = sign_in(world.admin)
    page = client.get(attendance_url(figures), query_string={"department": world.dvla.id}).text
    people = section(page, "participants", "sessions")
    assert "Cara Tester" in people and "Dev Tester" in people
    assert "Amara Tester" not in page
    assert "Attendance – Driver and Vehicle Licensing Agency" in page
    # (A NUL character is dropped before the page sees it: no filter.)
    for junk in ("abc", "99999999999999999999", "-1", "", "\x00"):
        response = client.get(attendance_url(figures), query_string={"department": junk})
        assert response.status_code == 200
        assert "Amara Tester" in response.text


def test_sponsor_sees_only_their_department(world, sign_in, figures):
    client = sign_in(world.sponsor)  # MOJ
    page = client.get(attendance_url(figures)).text
    assert "Amara Tester" in page and "Ben Tester" in page
    assert "Cara Tester" not in page and "Dev Tester" not in page
    assert 'name="department"' not in page
    # Even when they ask for another department.
    assert (
        "Cara Tester"
        not in client.get(attendance_url(figures), query_string={"department": world.dvla.id}).text
    )
    cara = figures.enrolments["Cara"]
    assert client.get(f"{attendance_url(figures)}/{cara.id}").status_code == 404
    assert client.get(f"{attendance_url(figures)}/{figures.enrolments['Amara'].id}").status_code == 200


def test_who_may_see_the_attendance_pages(world, sign_in, figures):
    assert sign_in(world.participant).get(attendance_url(figures)).status_code == 403
    assert sign_in(world.other_facilitator).get(attendance_url(figures)).status_code == 404
    assert (
        sign_in(world.other_sponsor).get(attendance_url(figures)).status_code == 200
    )  # DVLA people are in it
    other = factories.enrol(world.other_cohort, factories.make_user(Role.PARTICIPANT, world.moj))
    db.session.commit()
    client = sign_in(world.facilitator)
    assert client.get(f"{attendance_url(figures)}/{other.id}").status_code == 404
    assert client.get(f"{attendance_url(figures)}/99999999999999").status_code == 404


def test_participant_page_lists_each_session(world, sign_in, figures):
    amara = figures.enrolments["Amara"]
    page = sign_in(world.facilitator).get(f"{attendance_url(figures)}/{amara.id}").text
    assert row(page, "Workshop: Serving models").count("Not marked – counts as absent") == 1
    assert "Cancelled – does not count" in row(page, "Workshop: Cancelled one")
    assert "Late" in row(page, "Workshop: Pipelines")
    assert "Not yet held" in row(page, "Workshop: Still to come")
    assert "67%" in page and "2 of 3 sessions that count (1 late)" in page
    assert "Record a catch-up" not in page  # she attended the mandatory session
    ben = figures.enrolments["Ben"]
    page = sign_in(world.facilitator).get(f"{attendance_url(figures)}/{ben.id}").text
    assert "Catch-up needed" in row(page, "Ethics: Bias and fairness")
    assert f"/attendance/{ben.id}/catch-up/{figures.sessions['s1'].id}" in page
    # Sponsors read, they do not record.
    page = sign_in(world.sponsor).get(f"{attendance_url(figures)}/{ben.id}").text
    assert "Catch-up needed" in page and "Record a catch-up" not in page


# Catch-ups ------------------------------------------------------------------------------


def catch_up_url(f: Figures, name: str, key: str) -> str:
    return f"{attendance_url(f)}/{f.enrolments[name].id}/catch-up/{f.sessions[key].id}"


def dmy(day: date) -> dict:
    return {"completed_on": [str(day.day), str(day.month), str(day.year)]}


def test_recording_a_catch_up_clears_the_mandatory_flag(world, sign_in, figures):
    client = sign_in(world.facilitator)
    done_on = london_date(figures.sessions["s1"].starts_at) + timedelta(days=2)
    response = client.post(
        catch_up_url(figures, "Ben", "s1"),
        data={"what_was_done": "Watched the recording and discussed it with Fran", **dmy(done_on)},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Catch-up recorded for Ben Tester" in response.text
    assert "Watched the recording and discussed it with Fran" in response.text
    catch_up = db.session.scalar(select(CatchUp))
    assert (catch_up.enrolment_id, catch_up.completed_on, catch_up.recorded_by_id) == (
        figures.enrolments["Ben"].id,
        done_on,
        world.facilitator.id,
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "CatchUp"))
    assert event.actor_id == world.facilitator.id and event.action == "create"
    assert event.after["completed_on"] == done_on.isoformat()
    at_risk = section(client.get(attendance_url(figures)).text, "at-risk", "participants")
    assert (
        row(at_risk, "Ben Tester") == "Ben Tester Attendance 75% (3 of 4 sessions) — needs 80%"
    )  # the rate does not change


def test_changing_a_catch_up_is_audited_with_the_old_values(world, sign_in, figures):
    client = sign_in(world.facilitator)
    day = london_date(figures.sessions["s1"].starts_at)
    client.post(catch_up_url(figures, "Ben", "s1"), data={"what_was_done": "Read the notes", **dmy(day)})
    page = client.get(catch_up_url(figures, "Ben", "s1")).text
    assert "Change the catch-up" in page and "Read the notes" in page
    client.post(
        catch_up_url(figures, "Ben", "s1"), data={"what_was_done": "Read the notes and a quiz", **dmy(day)}
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "CatchUp", AuditEvent.action == "update")
    )
    assert event.before == {"what_was_done": "Read the notes"}
    assert db.session.scalar(select(db.func.count(CatchUp.id))) == 1


def test_no_catch_up_for_a_session_that_was_attended(world, sign_in, figures):
    client = sign_in(world.facilitator)
    page = client.get(catch_up_url(figures, "Amara", "s1"))
    assert page.status_code == 200
    assert "attended this session, so there is nothing to catch up" in page.text
    assert "Save catch-up" not in page.text
    day = london_date(figures.sessions["s1"].starts_at)
    response = client.post(
        catch_up_url(figures, "Amara", "s1"), data={"what_was_done": "Nothing", **dmy(day)}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(CatchUp)) is None


def test_no_catch_up_for_a_session_before_joining(world, sign_in, figures):
    client = sign_in(world.facilitator)
    day = london_date(utcnow())
    response = client.post(catch_up_url(figures, "Cara", "s1"), data={"what_was_done": "Read it", **dmy(day)})
    assert response.status_code == 400
    assert "joined after this session" in response.text
    assert db.session.scalar(select(CatchUp)) is None


@pytest.mark.parametrize("key", ["s2", "s5", "s6"])  # not mandatory; cancelled; not held yet
def test_no_catch_up_for_sessions_that_are_not_mandatory_or_not_over(world, sign_in, figures, key):
    figures.sessions[key].mandatory = key != "s2"
    db.session.commit()
    client = sign_in(world.facilitator)
    assert client.get(catch_up_url(figures, "Ben", key)).status_code == 404
    day = london_date(utcnow())
    assert (
        client.post(catch_up_url(figures, "Ben", key), data={"what_was_done": "x", **dmy(day)}).status_code
        == 404
    )
    assert db.session.scalar(select(CatchUp)) is None


@pytest.mark.parametrize(
    ("what", "day", "message"),
    [
        ("", None, "Enter what was done to catch up"),
        ("x" * 10_000, None, "2,000 characters or fewer"),
        ("Read\x00 it", None, "must not contain invisible or control characters"),
        ("Read it", "future", "must be today or in the past"),
        ("Read it", "before", "on or after the day of the session"),
        ("Read it", "nonsense", "must be a real date"),
    ],
)
def test_catch_up_form_errors(world, sign_in, figures, what, day, message):
    session_day = london_date(figures.sessions["s1"].starts_at)
    dates = {
        None: dmy(session_day),
        "future": dmy(london_date(utcnow()) + timedelta(days=3)),
        "before": dmy(session_day - timedelta(days=1)),
        "nonsense": {"completed_on": ["31", "2", "2026"]},
    }
    response = sign_in(world.facilitator).post(
        catch_up_url(figures, "Ben", "s1"), data={"what_was_done": what, **dates[day]}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert db.session.scalar(select(CatchUp)) is None


def test_who_may_record_a_catch_up(world, sign_in, figures):
    assert sign_in(world.sponsor).get(catch_up_url(figures, "Ben", "s1")).status_code == 403
    assert sign_in(world.participant).get(catch_up_url(figures, "Ben", "s1")).status_code == 403
    assert sign_in(world.other_facilitator).get(catch_up_url(figures, "Ben", "s1")).status_code == 404
    assert sign_in(world.admin).get(catch_up_url(figures, "Ben", "s1")).status_code == 200


# Where people look: the cohort page and profiles ----------------------------------------------


def test_cohort_page_shows_the_attendance_summary(world, sign_in, figures):
    page = sign_in(world.admin).get(f"/cohorts/{figures.cohort.slug}").text
    summary = page.split('<h2 class="govuk-heading-m">Attendance</h2>', 1)[1].split("</p>", 1)[0]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", summary)).split())
    assert "Rate 75% (6 of 8 places at sessions that count)" in text
    assert "At risk 3 people" in text
    assert "Sessions ended 4" in text
    assert f'href="/cohorts/{figures.cohort.slug}/attendance"' in summary
    assert f'href="/cohorts/{figures.cohort.slug}/schedule">Timetable</a>' in summary


def test_cohort_page_for_a_sponsor_and_a_participant(world, sign_in, figures):
    page = sign_in(world.other_sponsor).get(f"/cohorts/{figures.cohort.slug}").text  # DVLA: Cara and Dev
    assert "Attendance of Driver and Vehicle Licensing Agency participants" in page
    assert "100% (1 of 1 places" in page
    page = sign_in(figures.people["Ben"]).get(f"/cohorts/{figures.cohort.slug}").text
    assert "Your attendance" in page and "75% (3 of 4 sessions that count)" in page
    assert "no catch-up" in page
    assert "At risk 3 people" not in page
    assert f'href="/cohorts/{figures.cohort.slug}/schedule">Timetable</a>' in page


def test_profile_shows_attendance_and_flags_per_enrolment(world, sign_in, figures):
    page = sign_in(world.admin).get(f"/participants/{figures.people['Amara'].id}").text
    assert "67% – attended 2 of 3 sessions that count, 1 late" in page
    assert "Attendance 67% (2 of 3 sessions) — needs 80%" in page
    assert f"/attendance/{figures.enrolments['Amara'].id}" in page
    page = sign_in(world.admin).get(f"/participants/{figures.people['Dev'].id}").text
    assert "No data" in page and "0%" not in page
    page = sign_in(figures.people["Ben"]).get(f"/participants/{figures.people['Ben'].id}").text
    assert "75% – attended 3 of 4" in page


# Queries ------------------------------------------------------------------------------


def test_cohort_attendance_queries_do_not_grow_with_participants(world, sign_in, figures):
    client = sign_in(world.facilitator)
    counts = []
    for extra in (5, 90):  # 10, then 100 participants (with marks)
        for i in range(extra):
            person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
            enrolment = factories.enrol(figures.cohort, person)
            for key in ("s1", "s2", "s3"):
                db.session.add(
                    AttendanceMark(
                        session=figures.sessions[key],
                        enrolment=enrolment,
                        mark="present" if i % 4 else "absent",
                    )
                )
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get(attendance_url(figures)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 participants, {counts[1]} for 100"
