"""Completion (docs/rules.md §5): the cohort's rule settings, outcomes with reasons per role, overrides
with a written reason, finishing a cohort, and what a finished cohort refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.enrolments.service import EnrolmentError, NewPerson, enrol_person
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    CohortStatus,
    EnrolmentStatus,
    MarkSource,
    OutcomeOverride,
)
from tests import factories
from tests.factories import enrolment_of
from tests.sessions import make_session

PILOT_START = date(2026, 6, 1)  # a Monday; 12 weeks: its last day is Friday 21 August 2026


@pytest.fixture
def pilot(world):
    """An ended cohort of Siân (MOJ, every session) and Zoë (DVLA, 4 of 6: 67 %), with the
    cohort's facilitator; an ethics session in week 3."""
    cohort = factories.make_cohort(
        "AI Accelerator — Pilot", start=PILOT_START, facilitators=[world.facilitator]
    )
    siân = factories.enrol(cohort, world.participant)
    zoë = factories.enrol(cohort, world.other_participant)
    sessions = [
        make_session(cohort, PILOT_START + timedelta(weeks=w, days=1), title=f"Workshop {w + 1}")
        for w in range(5)
    ]
    sessions.append(
        make_session(
            cohort,
            PILOT_START + timedelta(weeks=2, days=3),
            kind=SessionKind.ETHICS,
            title="Ethics: Bias and fairness",
        )
    )
    for i, session in enumerate(sessions):
        for enrolment, mark in ((siân, Mark.PRESENT), (zoë, Mark.ABSENT if i in (0, 1) else Mark.PRESENT)):
            db.session.add(
                AttendanceMark(
                    session_id=session.id,
                    enrolment_id=enrolment.id,
                    mark=mark,
                    source=MarkSource.REGISTER,
                    recorded_by_id=world.facilitator.id,
                )
            )
    db.session.commit()
    return cohort


def _running(world):
    """A cohort whose last day is weeks away, with one ended session."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=today.weekday() + 14)
    cohort = factories.make_cohort("AI Accelerator — Running", start=start, facilitators=[world.facilitator])
    factories.enrol(cohort, world.participant)
    make_session(cohort, start + timedelta(days=1))
    db.session.commit()
    return cohort


# Settings -----------------------------------------------------------------------------------


def test_settings_show_the_defaults_and_changes_are_audited_and_followed(client, world, sign_in, pilot):
    sign_in(world.admin)
    url = f"/cohorts/{pilot.slug}/completion-rules"
    page = client.get(url)
    assert page.status_code == 200
    assert "The programme’s defaults" in page.text
    assert 'value="80"' in page.text and 'value="100"' in page.text
    before = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Attendance 67% (4 of 6 sessions) — needs 80%" in before

    saved = client.post(
        url,
        data={
            "min_attendance": "60",
            "skills_at_target": "50",
            "require_mandatory": "y",
            "at_risk_emails": "y",
        },
    )
    assert saved.status_code == 302
    db.session.refresh(pilot)
    assert (pilot.min_attendance, pilot.skills_at_target) == (0.6, 0.5)
    assert pilot.require_mandatory and not pilot.require_hackathon
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Cohort", AuditEvent.action == "update")
    )
    assert event.before == {"min_attendance": 0.8, "require_hackathon": True, "skills_at_target": 1.0}
    assert event.after == {"min_attendance": 0.6, "require_hackathon": False, "skills_at_target": 0.5}
    after = client.get(saved.headers["Location"]).text
    assert "Completion rules saved" in after
    assert "Attendance 67% (4 of 6 sessions) — needs 60%" in after
    assert "Hackathon submissions: not required for this cohort" in after


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("101", "Minimum attendance must be a percentage from 0 to 100"),
        ("-1", "Minimum attendance must be a percentage from 0 to 100"),
        ("eighty", "Minimum attendance must be a whole number"),
        ("80.5", "Minimum attendance must be a whole number"),
        ("9" * 10_000, "Minimum attendance must be a whole number"),
        ("8\x000", "Minimum attendance must be a whole number"),
        ("", "Enter the minimum attendance"),
    ],
)
def test_settings_refuse_bad_percentages(client, world, sign_in, pilot, value, message):
    sign_in(world.admin)
    page = client.post(
        f"/cohorts/{pilot.slug}/completion-rules", data={"min_attendance": value, "skills_at_target": "100"}
    )
    assert page.status_code == 400
    assert message in page.text
    assert "There is a problem" in page.text
    db.session.refresh(pilot)
    assert pilot.min_attendance == 0.8
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.entity_type == "Cohort")
        )
        == 0
    )


def test_settings_missing_fields_and_unchanged(client, world, sign_in, pilot):
    sign_in(world.admin)
    url = f"/cohorts/{pilot.slug}/completion-rules"
    assert client.post(url, data={}).status_code == 400
    same = client.post(
        url,
        data={
            "min_attendance": "80",
            "skills_at_target": "100",
            "require_mandatory": "y",
            "require_hackathon": "y",
            "at_risk_emails": "y",
        },
        follow_redirects=True,
    )
    assert "Nothing changed" in same.text


# Outcomes per role ------------------------------------------------------------------------------


def test_outcomes_with_reasons_for_admin_and_facilitator(client, world, sign_in, pilot):
    for who in (world.admin, world.facilitator):
        sign_in(who)
        page = client.get(f"/cohorts/{pilot.slug}/outcomes")
        assert page.status_code == 200
        text = page.text
        assert "Siân O&#39;Neill" in text and "Zoë Ng" in text
        assert "Attendance 100% (6 of 6 sessions) — needs 80%" in text
        assert "Attendance 67% (4 of 6 sessions) — needs 80%" in text
        assert "Not completed" in text and "Completed" in text
        assert ("Finish the cohort" in text) == (who == world.admin)
        assert ("Override<span" in text) == (who == world.admin)


def test_sponsors_see_only_their_department(client, world, sign_in, pilot):
    sign_in(world.sponsor)  # MOJ
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Siân O&#39;Neill" in text and "Zoë Ng" not in text
    sign_in(world.other_sponsor)  # DVLA
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Zoë Ng" in text and "Siân O&#39;Neill" not in text


def test_outcomes_out_of_scope(client, world, sign_in, pilot):
    sign_in(world.other_facilitator)
    assert client.get(f"/cohorts/{pilot.slug}/outcomes").status_code == 404
    sign_in(world.participant)
    assert client.get(f"/cohorts/{pilot.slug}/outcomes").status_code == 403
    sign_in(world.admin)
    assert client.get("/cohorts/no-such-cohort/outcomes").status_code == 404
    for role in (world.facilitator, world.sponsor):
        sign_in(role)
        assert client.get(f"/cohorts/{pilot.slug}/finish").status_code == 403
        assert client.post(f"/cohorts/{pilot.slug}/finish").status_code == 403
        assert client.get(f"/cohorts/{pilot.slug}/completion-rules").status_code == 403


def test_running_cohort_is_on_track_or_at_risk(client, world, sign_in):
    cohort = _running(world)
    sign_in(world.admin)
    text = client.get(f"/cohorts/{cohort.slug}/outcomes").text
    assert "At risk" in text  # the one ended session is not marked: absent
    assert "Finish the cohort" not in text


# Overrides ----------------------------------------------------------------------------------


def test_an_override_needs_a_reason_and_is_shown_with_its_author(client, world, sign_in, pilot):
    zoë = enrolment_of(pilot, world.other_participant)
    sign_in(world.admin)
    url = f"/cohorts/{pilot.slug}/outcomes/{zoë.id}/override"
    assert "Attendance 67% (4 of 6 sessions) — needs 80%" in client.get(url).text
    for data, message in [
        ({"outcome": "completed", "reason": "   "}, "Enter the reason for the override"),
        ({"outcome": "on_track", "reason": "Because"}, "Select completed or not completed"),
        ({"reason": "Because"}, "Select completed or not completed"),
        ({"outcome": "completed", "reason": "x" * 2001}, "Reason must be 2,000 characters or fewer"),
        (
            {"outcome": "completed", "reason": "bad\x00reason"},
            "must not contain invisible or control characters",
        ),
    ]:
        page = client.post(url, data=data)
        assert page.status_code == 400, data
        assert message in page.text
    assert db.session.scalar(select(func.count()).select_from(OutcomeOverride)) == 0

    reason = "Two weeks' sick leave with a fit note; caught up every workshop"
    done = client.post(url, data={"outcome": "completed", "reason": reason})
    assert done.status_code == 302
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Overridden by Priya Admin" in text
    assert "the rules give not completed" in text
    assert "Two weeks&#39; sick leave with a fit note; caught up every workshop" in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "override outcome"))
    assert event.entity_type == "Enrolment" and event.entity_id == zoë.id
    assert event.after["override_reason"] == reason and event.actor_id == world.admin.id
    # The sponsor of Zoë's department sees the override and its reason too.
    sign_in(world.other_sponsor)
    assert "Two weeks&#39; sick leave" in client.get(f"/cohorts/{pilot.slug}/outcomes").text


def test_override_refused_before_the_end_and_for_other_cohorts_ids(client, world, sign_in, pilot):
    running = _running(world)
    sign_in(world.admin)
    enrolment = enrolment_of(running, world.participant)
    url = f"/cohorts/{running.slug}/outcomes/{enrolment.id}/override"
    assert (
        "once the cohort’s last session has ended" in client.get(url).text
        or "once the cohort&#39;s" in client.get(url).text
    )
    refused = client.post(url, data={"outcome": "completed", "reason": "Early"}, follow_redirects=True)
    assert "can be overridden once the cohort" in refused.text
    assert db.session.scalar(select(func.count()).select_from(OutcomeOverride)) == 0
    # Another cohort's enrolment, a huge id, a negative one: 404.
    assert client.get(f"/cohorts/{pilot.slug}/outcomes/{enrolment.id}/override").status_code == 404
    assert client.get(f"/cohorts/{pilot.slug}/outcomes/{10**12}/override").status_code == 404
    assert client.get(f"/cohorts/{pilot.slug}/outcomes/-1/override").status_code == 404


# Finishing ----------------------------------------------------------------------------------


def test_finishing_records_outcomes_once(client, world, sign_in, pilot):
    siân, zoë = enrolment_of(pilot, world.participant), enrolment_of(pilot, world.other_participant)
    sign_in(world.admin)
    confirm = client.get(f"/cohorts/{pilot.slug}/finish")
    assert confirm.status_code == 200
    assert "You cannot undo finishing a cohort" in confirm.text
    done = client.post(f"/cohorts/{pilot.slug}/finish")
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert "is finished: 1 completed, 1 not completed" in page
    for e in (siân, zoë):
        db.session.refresh(e)
    db.session.refresh(pilot)
    assert pilot.status == CohortStatus.FINISHED
    assert (siân.status, zoë.status) == (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
    assert siân.outcome_recorded_at is not None
    assert [r["reason"] for r in zoë.outcome_reasons][0] == "Attendance 67% (4 of 6 sessions) — needs 80%"
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions.count("record outcome") == 2 and actions[-1] == "finish"

    again = client.post(f"/cohorts/{pilot.slug}/finish", follow_redirects=True)
    assert "is already finished" in again.text
    assert db.session.scalars(select(AuditEvent.action)).all().count("finish") == 1


def test_finishing_records_the_override(client, world, sign_in, pilot):
    zoë = enrolment_of(pilot, world.other_participant)
    sign_in(world.admin)
    client.post(
        f"/cohorts/{pilot.slug}/outcomes/{zoë.id}/override",
        data={"outcome": "completed", "reason": "Attendance evidence from the department"},
    )
    assert "is an override" in client.get(f"/cohorts/{pilot.slug}/finish").text
    client.post(f"/cohorts/{pilot.slug}/finish")
    db.session.refresh(zoë)
    assert zoë.status == EnrolmentStatus.COMPLETED
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Attendance evidence from the department" in text and "Overridden by Priya Admin" in text


def test_a_running_cohort_cannot_be_finished(client, world, sign_in):
    cohort = _running(world)
    sign_in(world.admin)
    assert "cannot be finished yet" in client.get(f"/cohorts/{cohort.slug}/finish").text
    refused = client.post(f"/cohorts/{cohort.slug}/finish", follow_redirects=True)
    assert "cannot be finished before its last session has ended" in refused.text
    db.session.refresh(cohort)
    assert cohort.status == CohortStatus.RUNNING
    assert enrolment_of(cohort, world.participant).status == EnrolmentStatus.ACTIVE


def test_a_finished_cohort_is_read_only_but_outcomes_can_be_corrected(client, world, sign_in, pilot):
    siân, zoë = enrolment_of(pilot, world.participant), enrolment_of(pilot, world.other_participant)
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    # Rules: shown, not editable; a post is refused.
    page = client.get(f"/cohorts/{pilot.slug}/completion-rules").text
    assert "can no longer change" in page and "Save completion rules" not in page
    refused = client.post(
        f"/cohorts/{pilot.slug}/completion-rules",
        data={"min_attendance": "10", "skills_at_target": "10"},
        follow_redirects=True,
    )
    assert "its completion rules can no longer change" in refused.text
    db.session.refresh(pilot)
    assert pilot.min_attendance == 0.8
    # Enrolments: the enrolment service refuses, with a clear message.
    withdrawn = client.post(
        f"/enrolments/{siân.id}/withdraw", data={"reason": "Left", "withdrawn_on": ["1", "9", "2026"]}
    )
    assert withdrawn.status_code == 400 and "Only an active enrolment can be withdrawn" in withdrawn.text
    with pytest.raises(EnrolmentError, match="is finished: its enrolments can no longer change"):
        enrol_person(world.admin, pilot, NewPerson(email=world.sponsor.email, full_name="Helen Sponsor"))
    # A correction, with its reason: changes the recorded outcome at once, audited.
    url = f"/cohorts/{pilot.slug}/outcomes/{zoë.id}/override"
    assert "Correct the outcome of Zoë Ng" in client.get(url).text
    assert client.post(url, data={"outcome": "completed", "reason": ""}).status_code == 400
    client.post(url, data={"outcome": "completed", "reason": "Register of week 1 was wrong: she was there"})
    db.session.refresh(zoë)
    assert zoë.status == EnrolmentStatus.COMPLETED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "correct outcome"))
    assert event.before["status"] == "not_completed" and event.after["status"] == "completed"
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Register of week 1 was wrong: she was there" in text


def test_withdrawn_people_have_no_outcome_to_override(client, world, sign_in, pilot):
    extra = factories.make_user(full_name="Wyn Withdrawn", department=world.moj)
    enrolment = factories.enrol(pilot, extra, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    sign_in(world.admin)
    text = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    assert "Wyn Withdrawn" in text and "Withdrew on" in text
    url = f"/cohorts/{pilot.slug}/outcomes/{enrolment.id}/override"
    assert "there is no outcome to override" in client.get(url).text
    client.post(url, data={"outcome": "completed", "reason": "No"})
    assert db.session.scalar(select(func.count()).select_from(OutcomeOverride)) == 0
    client.post(f"/cohorts/{pilot.slug}/finish")
    db.session.refresh(enrolment)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN


def test_forms_need_csrf(app, client, world, sign_in, pilot):
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(world.admin)
    assert client.post(f"/cohorts/{pilot.slug}/finish").status_code in (302, 400)
    db.session.refresh(pilot)
    assert pilot.status == CohortStatus.RUNNING


def test_hackathon_entries_come_from_the_registered_source(app, client, world, sign_in, pilot):
    hack = make_session(
        pilot, PILOT_START + timedelta(weeks=6, days=2), kind=SessionKind.HACKATHON, title="Hackathon: courts"
    )
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{pilot.slug}/outcomes"
    # The hackathons feature registers its source: nobody is in a team.
    assert "Hackathon: courts (week 7) ended without a submission (not in a team)" in client.get(url).text
    siân = enrolment_of(pilot, world.participant)
    app.extensions["cohort.hackathon_entries"] = lambda cohort, ids: {siân.id: {hack.id: "late"}}
    text = client.get(url).text
    assert "Hackathon: courts (week 7): submitted after the deadline" in text
    assert "Hackathon: courts (week 7) ended without a submission (not in a team)" in text
    # With no source at all, the rule cannot be judged.
    del app.extensions["cohort.hackathon_entries"]
    assert "Hackathon submissions: not recorded in this service yet" in client.get(url).text
