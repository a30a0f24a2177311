"""Creating and editing cohorts: validation, audit, and who sees what."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from cohort.extensions import db
from cohort.models import AuditEvent, Cohort, CohortStatus

VALID = {
    "name": "AI Accelerator — Cohort 9",
    "slug": "",
    "description": "Second run.",
    "start_date": ["11", "1", "2027"],  # the GOV.UK date input posts day, month, year under one name
    "length_weeks": "12",
    "capacity": "25",
    "bank_holiday_division": "scotland",
    "status": "planned",
    "min_attendance": "80",
    "skills_at_target": "100",
    "require_mandatory": "y",
    "require_hackathon": "y",
}


def post(client, url, **changes):
    return client.post(url, data={**VALID, **changes})


def test_admin_creates_a_cohort_with_defaults_and_an_audit_event(client, world, sign_in):
    sign_in(world.admin)
    response = post(client, "/cohorts/new", facilitators=[str(world.facilitator.id)])
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == VALID["name"]))
    assert cohort.slug == "ai-accelerator-cohort-9"
    assert cohort.start_date.isoformat() == "2027-01-11"
    assert cohort.min_attendance == pytest.approx(0.80)
    assert cohort.skills_at_target == pytest.approx(1.0)
    assert cohort.require_mandatory and cohort.require_hackathon
    assert [f.id for f in cohort.facilitators] == [world.facilitator.id]
    page = client.get(response.headers["Location"]).text
    assert "Cohort AI Accelerator — Cohort 9 created" in page
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.entity_type == "Cohort", AuditEvent.entity_id == cohort.id)
    )
    assert event.action == "create" and event.actor_id == world.admin.id
    assert event.after["capacity"] == 25


def test_new_cohort_form_shows_the_programme_defaults(client, world, sign_in):
    sign_in(world.admin)
    page = client.get("/cohorts/new").text
    assert 'name="length_weeks" type="text" value="12"' in page
    assert 'name="capacity" type="text" value="25"' in page
    assert 'name="min_attendance" type="text" value="80"' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the cohort name"),
        ({"name": "x" * 121}, "120 characters or fewer"),
        ({"name": "Cohort\u202e2"}, "must not contain invisible or control characters"),
        ({"start_date": ["12", "1", "2027"]}, "Start date must be a Monday (12 January 2027 is a Tuesday)"),
        ({"start_date": ["31", "2", "2027"]}, "Start date must be a real date"),
        ({"start_date": ["", "", ""]}, "Enter the start date"),
        ({"start_date": ["11", "", "2027"]}, "Start date must include a month"),
        ({"start_date": ["11", "1", "27"]}, "4-digit year"),
        ({"start_date": ["eleven", "1", "2027"]}, "must be a real date"),
        ({"start_date": ["11"]}, "Start date must include a month and year"),
        ({"start_date": []}, "Enter the start date"),
        ({"capacity": "0"}, "Capacity must be between 1 and 200"),
        ({"capacity": "201"}, "Capacity must be between 1 and 200"),
        ({"capacity": "lots"}, "Capacity must be a whole number"),
        ({"length_weeks": "53"}, "Length must be between 1 and 52 weeks"),
        ({"length_weeks": "0"}, "Length must be between 1 and 52 weeks"),
        ({"length_weeks": "1e3"}, "Length in weeks must be a whole number"),
        ({"length_weeks": "99999999999999999999"}, "Length in weeks must be a whole number"),
        ({"capacity": ""}, "Enter the capacity"),
        ({"min_attendance": "120"}, "Minimum attendance must be a percentage from 0 to 100"),
        ({"slug": "Not A Slug!"}, "lower-case letters, numbers and single hyphens"),
        ({"bank_holiday_division": "wales"}, "Not a valid choice"),
        ({"status": "exploded"}, "Not a valid choice"),
        ({"description": "d" * 2001}, "2,000 characters or fewer"),
    ],
)
def test_bad_cohort_input_gets_a_clear_message_and_writes_nothing(client, world, sign_in, changes, message):
    sign_in(world.admin)
    response = post(client, "/cohorts/new", **changes)
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert db.session.scalar(select(Cohort).where(Cohort.slug == "ai-accelerator-cohort-9")) is None


def test_unknown_facilitator_is_refused(client, world, sign_in):
    sign_in(world.admin)
    response = post(client, "/cohorts/new", facilitators=["999999"])
    assert response.status_code == 400
    assert db.session.scalar(select(Cohort).where(Cohort.name == VALID["name"])) is None


def test_duplicate_name_is_refused(client, world, sign_in):
    sign_in(world.admin)
    response = post(client, "/cohorts/new", name=world.cohort.name)
    assert response.status_code == 400
    assert "A cohort with this name already exists" in response.text


def test_script_in_a_name_is_shown_as_text(client, world, sign_in):
    sign_in(world.admin)
    response = post(client, "/cohorts/new", name="<script>alert('x')</script>", slug="scripted")
    assert response.status_code == 302
    page = client.get("/cohorts/scripted").text
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page


def test_edit_records_before_and_after(client, world, sign_in):
    sign_in(world.admin)
    response = post(
        client,
        f"/cohorts/{world.cohort.slug}/edit",
        name=world.cohort.name,
        slug=world.cohort.slug,
        capacity="30",
        status="open",
        min_attendance="75",
    )
    assert response.status_code == 302
    cohort = db.session.get(Cohort, world.cohort.id)
    assert cohort.capacity == 30 and cohort.status == CohortStatus.OPEN
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.entity_type == "Cohort", AuditEvent.action == "update")
    ).one()
    assert event.before["capacity"] == 25 and event.after["capacity"] == 30
    assert event.after["min_attendance"] == pytest.approx(0.75)
    assert "name" not in event.after  # only what changed


def test_edit_form_shows_current_values(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/edit").text
    assert f'value="{world.cohort.slug}"' in page
    assert 'id="start_date-day" name="start_date" type="text" value="07"' in page


def test_participant_sees_cohort_details_but_no_one_else(client, world, sign_in):
    sign_in(world.participant)
    page = client.get(f"/cohorts/{world.cohort.slug}").text
    assert world.cohort.name in page
    assert "Zoë Ng" not in page  # another participant
    assert world.other_participant.email not in page


def test_sponsor_sees_only_their_department_in_a_cohort(client, world, sign_in):
    sign_in(world.sponsor)
    page = client.get(f"/cohorts/{world.cohort.slug}").text
    assert "Siân O&#39;Neill" in page  # MOJ
    assert "Zoë Ng" not in page  # DVLA


def test_facilitator_sees_the_whole_cohort_but_cannot_edit(client, world, sign_in):
    sign_in(world.facilitator)
    page = client.get(f"/cohorts/{world.cohort.slug}").text
    assert "Siân O&#39;Neill" in page and "Zoë Ng" in page
    assert "Edit cohort" not in page
    assert client.post(f"/cohorts/{world.cohort.slug}/edit", data=VALID).status_code == 403


def test_cohort_list_filters_by_the_stage_it_shows(client, world, sign_in):
    # Stored as running, but its dates are all to come: the list shows it, and filters it, as planned.
    world.other_cohort.start_date = date(2027, 1, 11)
    world.cohort.start_date = date(2026, 9, 7)  # twelve weeks: its last day is 27 November
    world.cohort.length_weeks = 13
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 28, 12, tzinfo=UTC), tick=False):
        sign_in(world.admin)
        planned = client.get("/cohorts/?stage=planned").text
        running = client.get("/cohorts/?stage=running").text
        everything = client.get("/cohorts/?stage=nonsense")
    assert world.other_cohort.name in planned and world.cohort.name not in planned
    assert "<title>Cohorts – Stage: Planned" in planned
    assert world.cohort.name in running and world.other_cohort.name not in running
    assert everything.status_code == 200
    assert world.cohort.name in everything.text and world.other_cohort.name in everything.text


def test_sponsor_dashboard_lists_own_department_only(client, world, sign_in):
    sign_in(world.other_sponsor)  # DVLA
    page = client.get("/dashboard").text
    assert "Zoë Ng" in page and "Siân O&#39;Neill" not in page


def _as_posted(cohort, **changes):
    """The edit form as the browser would post it for this cohort, with some changes."""
    data = {
        **VALID,
        "name": cohort.name,
        "slug": cohort.slug,
        "description": cohort.description or "",
        "start_date": [str(cohort.start_date.day), str(cohort.start_date.month), str(cohort.start_date.year)],
        "length_weeks": str(cohort.length_weeks),
        "capacity": str(cohort.capacity),
        "bank_holiday_division": cohort.bank_holiday_division.value,
        "status": cohort.status.value,
        "min_attendance": str(round(cohort.min_attendance * 100)),
        "skills_at_target": str(round(cohort.skills_at_target * 100)),
        "facilitators": [str(f.id) for f in cohort.facilitators],
    }
    data.update(changes)
    return data


def test_finished_is_not_a_status_to_pick_when_creating_or_editing(client, world, sign_in):
    sign_in(world.admin)
    created = post(client, "/cohorts/new", status="finished")
    assert created.status_code == 400 and "is finished from its Outcomes page" in created.text
    edited = client.post(
        f"/cohorts/{world.cohort.slug}/edit", data=_as_posted(world.cohort, status="finished")
    )
    assert edited.status_code == 400 and "is finished from its Outcomes page" in edited.text
    assert db.session.get(Cohort, world.cohort.id).status != CohortStatus.FINISHED


def test_a_finished_cohort_can_only_be_archived(client, world, sign_in):
    world.cohort.status = CohortStatus.FINISHED
    db.session.commit()
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/edit"
    for change in ({"capacity": "30"}, {"min_attendance": "50"}, {"name": "Renamed"}, {"status": "running"}):
        response = client.post(url, data=_as_posted(world.cohort, **change))
        assert response.status_code == 400, change
        assert "its details and rules can no longer change" in response.text
    cohort = db.session.get(Cohort, world.cohort.id)
    assert (cohort.capacity, cohort.min_attendance, cohort.status) == (25, 0.8, CohortStatus.FINISHED)
    archived = client.post(url, data=_as_posted(world.cohort, status="archived"))
    assert archived.status_code == 302
    assert db.session.get(Cohort, world.cohort.id).status == CohortStatus.ARCHIVED
