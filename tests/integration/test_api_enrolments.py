"""Nominating and withdrawing through the API (docs/api.md, Enrolments): the enrol and withdraw
pages' rules, through the same service; If-Match on a withdrawal; every change audited naming
the token."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import AuditEvent, CohortStatus, Enrolment, EnrolmentStatus, User


def _headers(user, **more) -> dict:
    secret = api_tokens.create(
        user,
        "Nominations",
        list(api_tokens.scopes_for(user.role)),
        datetime.now(UTC).date() + timedelta(days=9),
    ).secret
    return {"Authorization": f"Bearer {secret}", **more}


def test_nominate_a_new_person_and_an_existing_participant(world, client):
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.other_cohort.slug}/enrolments"
    new = client.post(
        url,
        json={"email": "Ana.New@Example.gov.uk", "full_name": "Ana New", "department": "moj"},
        headers=headers,
    )
    assert new.status_code == 201, new.text
    assert new.json["email"] == "ana.new@example.gov.uk" and new.json["department"] == "MOJ"
    assert new.json["status"] == "active" and new.json["cohort"] == world.other_cohort.slug
    existing = client.post(url, json={"email": world.participant.email}, headers=headers)
    assert existing.status_code == 201
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.entity_type == "Enrolment", AuditEvent.action == "create")
        .limit(1)
    )
    assert "through API token cohort_pat_" in event.summary


def test_nominations_follow_the_enrol_forms_rules(world, client):
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.cohort.slug}/enrolments"
    cases = [
        ({"email": "nobody@example.gov.uk"}, 422, "full_name"),  # a new person needs a name
        ({"email": "nobody@example.gov.uk", "full_name": "No Body"}, 422, "department"),
        ({"email": "nobody@example.gov.uk", "full_name": "No Body", "department": "XYZ"}, 422, "department"),
        ({"email": "not an address"}, 422, "email"),
        ({"email": world.facilitator.email}, 422, "email"),  # only participants
        ({"email": world.participant.email}, 422, "email"),  # already enrolled
        ({}, 422, "email"),
    ]
    for body, status, field in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert field in response.json["errors"]["json"], (body, response.json)
    assert db.session.scalar(select(User).where(User.email == "nobody@example.gov.uk")) is None
    world.cohort.capacity = 2
    db.session.commit()
    full = client.post(
        url, json={"email": "x@example.gov.uk", "full_name": "X", "department": "MOJ"}, headers=headers
    )
    assert full.status_code == 409 and "full" in full.json["detail"]
    world.cohort.status = CohortStatus.FINISHED
    world.cohort.capacity = 30
    db.session.commit()
    closed = client.post(
        url, json={"email": "x@example.gov.uk", "full_name": "X", "department": "MOJ"}, headers=headers
    )
    assert closed.status_code == 409 and "no longer change" in closed.json["detail"]


def test_withdraw_with_the_etag_and_a_reason(world, client):
    headers = _headers(world.admin)
    enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == world.participant.id))
    url = f"/api/v1/enrolments/{enrolment_id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    body = {"status": "withdrawn", "reason": "Moved post"}
    assert client.patch(url, json=body, headers=headers).status_code == 428
    assert (
        client.patch(url, json={"status": "withdrawn"}, headers={**headers, "If-Match": etag}).status_code
        == 422
    )
    done = client.patch(url, json=body, headers={**headers, "If-Match": etag})
    assert done.status_code == 200, done.text
    assert done.json["status"] == "withdrawn" and done.headers["ETag"] != etag
    db.session.expire_all()
    assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.WITHDRAWN
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "withdraw"))
    assert event.actor_id == world.admin.id and "Moved post" in event.summary and "API token" in event.summary
    # The old ETag again: stale. The new one: no longer active.
    assert client.patch(url, json=body, headers={**headers, "If-Match": etag}).status_code == 412
    again = client.patch(url, json=body, headers={**headers, "If-Match": done.headers["ETag"]})
    assert again.status_code == 409 and "Only an active enrolment" in again.json["detail"]


def test_only_programme_managers_write_enrolments(world, client):
    enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == world.participant.id))
    for person in (world.facilitator, world.sponsor):
        headers = _headers(person, **{"If-Match": '"x"'})
        assert (
            client.patch(
                f"/api/v1/enrolments/{enrolment_id}",
                json={"status": "withdrawn", "reason": "r"},
                headers=headers,
            ).status_code
            == 403
        )
        assert (
            client.post(
                f"/api/v1/cohorts/{world.cohort.slug}/enrolments",
                json={"email": "a@example.gov.uk"},
                headers=headers,
            ).status_code
            == 403
        )
    assert db.session.get(Enrolment, enrolment_id).status == EnrolmentStatus.ACTIVE
