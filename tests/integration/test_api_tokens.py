"""Personal access tokens: Your account → API tokens, a programme manager's revoke, and when a
token ends (docs/api.md, Tokens)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cohort.api import tokens as api_tokens
from cohort.auth import accounts
from cohort.extensions import db
from cohort.models import ApiToken, AuditEvent, Role

TODAY = datetime.now(UTC).date()


def _form(name="Attendance export", scopes=("attendance:read",), expires: date | None = None) -> dict:
    expires = expires or TODAY + timedelta(days=30)
    return {
        "name": name,
        "scopes": list(scopes),
        "expires_on": [str(expires.day), str(expires.month), str(expires.year)],
    }


def _secret(page: str) -> str:
    found = re.search(r"cohort_pat_[A-Za-z0-9_-]{43}", page)
    assert found, "the token is shown on the page"
    return found.group(0)


@pytest.mark.parametrize("role", ["admin", "facilitator", "sponsor"])
def test_staff_make_a_token_shown_once_and_stored_as_a_digest(world, sign_in, role, caplog):
    client = sign_in(world.by_role(role))
    assert "API tokens" in client.get("/account").text
    form_page = client.get("/account/api-tokens/new")
    assert form_page.status_code == 200
    with caplog.at_level(logging.DEBUG):
        made = client.post("/account/api-tokens/new", data=_form())
    assert made.status_code == 201
    secret = _secret(made.text)
    row = db.session.scalar(select(ApiToken))
    assert row.token_digest == api_tokens.digest(secret)
    assert secret not in str(row.__dict__)
    assert row.prefix == secret[: api_tokens.PREFIX_LENGTH]
    assert row.scopes == ["attendance:read"]
    assert row.expires_at.date() == TODAY + timedelta(days=30)
    # Never again: the list shows only the start.
    listing = client.get("/account/api-tokens").text
    assert secret not in listing and row.prefix in listing and "Attendance export" in listing
    assert secret not in caplog.text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "ApiToken"))
    assert event.action == "create" and secret not in str(event.after) and secret not in event.summary


def test_participants_hold_no_tokens(world, sign_in):
    client = sign_in(world.participant)
    assert "API tokens" not in client.get("/account").text
    assert client.get("/account/api-tokens").status_code == 403
    assert client.post("/account/api-tokens/new", data=_form()).status_code == 403
    assert db.session.scalar(select(ApiToken)) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(name=""), "Enter a name for the token"),
        (_form(name="x" * 81), "Name must be 80 characters or fewer"),
        (_form(scopes=()), "Select at least one scope"),
        (_form(scopes=("reports:read",)), "Select only scopes your role may use"),  # not a facilitator's
        (_form(scopes=("nonsense",)), "Select only scopes your role may use"),
        (_form(expires=TODAY + timedelta(days=366)), "Expiry date must be within a year"),
        (_form(expires=TODAY), "Expiry date must be in the future"),
        ({**_form(), "expires_on": ["", "", ""]}, "Enter an expiry date"),
        ({**_form(), "expires_on": ["31", "2", "2027"]}, "Expiry date must be a real date"),
        ({**_form(), "expires_on": ["x"]}, "Expiry date must include a month and year"),
        ({**_form(), "name": "a\x00b"}, None),
    ],
)
def test_bad_input_is_a_400_with_the_reason_and_nothing_made(world, sign_in, data, message):
    client = sign_in(world.facilitator)
    response = client.post("/account/api-tokens/new", data=data)
    assert response.status_code == 400
    if message:
        assert message in response.text
        assert "govuk-error-summary" in response.text
    assert db.session.scalar(select(ApiToken)) is None


def test_a_year_is_the_longest(world, sign_in):
    client = sign_in(world.admin)
    assert (
        client.post("/account/api-tokens/new", data=_form(expires=TODAY + timedelta(days=365))).status_code
        == 201
    )


def test_owner_revokes_with_confirmation_and_a_second_press_changes_nothing(world, sign_in):
    made = api_tokens.create(world.facilitator, "Script", ["cohorts:read"], TODAY + timedelta(days=5))
    client = sign_in(world.facilitator)
    confirm = client.get(f"/account/api-tokens/{made.row.id}/revoke")
    assert confirm.status_code == 200 and "Revoke API token “Script”?" in confirm.text
    assert client.post(f"/account/api-tokens/{made.row.id}/revoke").status_code == 302
    db.session.expire_all()
    row = db.session.get(ApiToken, made.row.id)
    assert row.revoked_at is not None and row.revoked_why == "revoked by the owner"
    assert api_tokens.find_live(made.secret, datetime.now(UTC)) is None
    again = client.post(f"/account/api-tokens/{made.row.id}/revoke", follow_redirects=True)
    assert "had already ended" in again.text
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "revoke")).all()
    assert len(events) == 1 and events[0].actor_id == world.facilitator.id


def test_nobody_revokes_another_persons_token_from_their_account(world, sign_in):
    made = api_tokens.create(world.sponsor, "Mine", ["cohorts:read"], TODAY + timedelta(days=5))
    client = sign_in(world.other_sponsor)
    assert client.get(f"/account/api-tokens/{made.row.id}/revoke").status_code == 404
    assert client.post(f"/account/api-tokens/{made.row.id}/revoke").status_code == 404
    assert client.get("/account/api-tokens/99999999999/revoke").status_code == 404
    assert api_tokens.find_live(made.secret, datetime.now(UTC)) is not None


def test_a_programme_manager_sees_and_revokes_anyones_token(world, sign_in):
    made = api_tokens.create(world.sponsor, "Department figures", ["reports:read"], TODAY + timedelta(days=5))
    client = sign_in(world.admin)
    page = client.get(f"/admin/users/{world.sponsor.id}")
    assert "API tokens" in page.text and "Department figures" in page.text and made.secret not in page.text
    # The token belongs to the sponsor, not to someone else's page.
    assert (
        client.post(f"/admin/users/{world.facilitator.id}/api-tokens/{made.row.id}/revoke").status_code == 404
    )
    assert client.post(f"/admin/users/{world.sponsor.id}/api-tokens/{made.row.id}/revoke").status_code == 302
    db.session.expire_all()
    assert (
        db.session.get(ApiToken, made.row.id).revoked_why == f"revoked by programme manager {world.admin.id}"
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke"))
    assert event.actor_id == world.admin.id and "Helen Sponsor" in event.summary


def test_other_roles_cannot_use_the_programme_managers_revoke(world, sign_in):
    made = api_tokens.create(world.sponsor, "Mine", ["cohorts:read"], TODAY + timedelta(days=5))
    for person in (world.facilitator, world.sponsor, world.participant):
        client = sign_in(person)
        assert (
            client.post(f"/admin/users/{world.sponsor.id}/api-tokens/{made.row.id}/revoke").status_code == 403
        )
    assert api_tokens.find_live(made.secret, datetime.now(UTC)) is not None


def test_a_token_ends_when_its_owner_is_deactivated_or_changes_role(world):
    kept = api_tokens.create(world.sponsor, "A", ["cohorts:read"], TODAY + timedelta(days=5))
    moved = api_tokens.create(world.facilitator, "B", ["cohorts:read"], TODAY + timedelta(days=5))
    accounts.set_active(world.admin, world.sponsor, False)
    accounts.update_user(
        world.admin,
        world.facilitator,
        full_name=world.facilitator.full_name,
        role=Role.ADMIN,
        department=None,
        job_title=None,
    )
    now = datetime.now(UTC)
    assert api_tokens.find_live(kept.secret, now) is None
    assert api_tokens.find_live(moved.secret, now) is None
    db.session.expire_all()
    assert db.session.get(ApiToken, kept.row.id).revoked_why == "account deactivated"
    assert db.session.get(ApiToken, moved.row.id).revoked_why == "role changed"
    # Reactivating the account does not bring the token back.
    accounts.set_active(world.admin, world.sponsor, True)
    assert api_tokens.find_live(kept.secret, datetime.now(UTC)) is None


def test_an_expired_token_is_refused(world):
    made = api_tokens.create(world.admin, "Short", ["cohorts:read"], TODAY + timedelta(days=1))
    assert api_tokens.find_live(made.secret, datetime.now(UTC)) is not None
    assert api_tokens.find_live(made.secret, datetime.now(UTC) + timedelta(days=3)) is None
    assert api_tokens.find_live(made.secret + "x", datetime.now(UTC)) is None
    assert api_tokens.find_live("not a token", datetime.now(UTC)) is None


@pytest.mark.parametrize("role", ["admin", "facilitator", "sponsor"])
def test_the_reference_page_shows_every_operation_to_staff(world, sign_in, client, role):
    spec = client.get("/api/v1/openapi.json").get_json()
    signed_in = sign_in(world.by_role(role))
    page = signed_in.get("/api-reference")
    assert page.status_code == 200
    assert 'href="/api-reference"' in page.text  # the footer's link
    for path, item in spec["paths"].items():
        for method in item:
            if method in {"get", "put", "post", "patch", "delete"}:
                assert f"{method.upper()} {path}" in page.text
    assert "enrolments:write" in page.text and "Not needed (public)" in page.text


def test_participants_have_no_reference_page_or_footer_link(world, sign_in):
    client = sign_in(world.participant)
    assert client.get("/api-reference").status_code == 403
    assert "API reference" not in client.get("/dashboard").text
