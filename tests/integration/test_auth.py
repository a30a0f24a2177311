"""Signing in and out, password links and changes, session lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cohort.auth.tokens import make_password_token
from cohort.extensions import db
from cohort.models import AuditEvent, Role, SignInAttempt
from cohort.security import SESSION_LAST_SEEN, SESSION_SIGNED_IN_AT
from tests.factories import PASSWORD, make_user

SIGN_IN_FAILED = "Enter a correct email address and password"


def sign_in_form(client, email, password=PASSWORD, next_url=None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def session_cookie(client) -> str:
    return client.get_cookie("cohort_session").value


def test_sign_in_with_correct_details_reaches_dashboard(client, world):
    response = sign_in_form(client, world.participant.email.upper())  # email in any letter case
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert world.cohort.name in client.get("/dashboard").text
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development: plain http on localhost


@pytest.mark.parametrize("email", ["nobody@example.gov.uk", "ADMIN-WRONG@example.gov.uk"])
def test_unknown_email_and_wrong_password_get_the_same_message(client, world, email):
    unknown = sign_in_form(client, email)
    wrong = sign_in_form(client, world.admin.email, "not the password at all")
    for response in (unknown, wrong):
        assert response.status_code == 400
        assert SIGN_IN_FAILED in response.text
        assert "There is a problem" in response.text
    assert "/dashboard" not in client.get("/").headers["Location"]


def test_empty_sign_in_form_says_what_is_missing(client, world):
    response = client.post("/sign-in", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "Enter your email address" in response.text
    assert "Enter your password" in response.text


def test_deactivated_and_invited_accounts_cannot_sign_in(client, world):
    gone = make_user(Role.FACILITATOR, active=False)
    invited = make_user(Role.PARTICIPANT, world.moj, with_password=False)
    db.session.commit()
    for user in (gone, invited):
        response = sign_in_form(client, user.email)
        assert response.status_code == 400
        assert SIGN_IN_FAILED in response.text


def test_ten_failures_lock_the_account_for_everyone_with_the_same_message(client, world):
    for _ in range(10):
        assert sign_in_form(client, world.admin.email, "wrong password, again").status_code == 400
    locked = sign_in_form(client, world.admin.email)  # even the right password
    assert locked.status_code == 429
    assert "too many attempts" in locked.text
    assert "/dashboard" not in (locked.headers.get("Location") or "")
    # An address with no account is locked out in the same words (no account oracle).
    for _ in range(10):
        sign_in_form(client, "ghost@example.gov.uk", "wrong password, again")
    ghost = sign_in_form(client, "ghost@example.gov.uk")
    assert ghost.status_code == 429 and "too many attempts" in ghost.text
    # The count lives in the database, so every server worker sees it.
    failures = db.session.scalar(
        select(func.count(SignInAttempt.id)).where(SignInAttempt.email == world.admin.email)
    )
    assert failures == 10
    assert "wrong password" not in str(db.session.scalars(select(SignInAttempt.email)).all())


def test_lockout_ends_after_the_window(client, world):
    for _ in range(10):
        sign_in_form(client, world.admin.email, "wrong password, again")
    old = datetime.now(UTC) - timedelta(minutes=6)
    for attempt in db.session.scalars(select(SignInAttempt)):
        attempt.at = old
    db.session.commit()
    assert sign_in_form(client, world.admin.email).status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/cohorts/", "/cohorts/"),
        ("//evil.example.com/", "/dashboard"),
        ("https://evil.example.com/", "/dashboard"),
        ("/\\evil.example.com", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_follows_paths_on_this_site(client, world, next_url, lands_on):
    response = sign_in_form(client, world.participant.email, next_url=next_url)
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_sign_out_ends_the_session_even_for_a_copied_cookie(app, client, world):
    sign_in_form(client, world.facilitator.email)
    copied = session_cookie(client)
    assert client.post("/sign-out").status_code == 302
    assert client.get("/dashboard").status_code == 302
    thief = app.test_client()
    thief.set_cookie("cohort_session", copied, domain="localhost")
    response = thief.get("/dashboard")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_sign_out_is_not_possible_with_get(client, world, sign_in):
    sign_in(world.admin)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/dashboard").status_code == 200


def test_session_ends_after_thirty_minutes_idle(client, world, sign_in):
    sign_in(world.participant)
    with client.session_transaction() as session:
        session[SESSION_LAST_SEEN] = (datetime.now(UTC) - timedelta(minutes=31)).timestamp()
    response = client.get("/dashboard")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert "timed out" in client.get(response.headers["Location"]).text


def test_session_ends_after_twelve_hours_however_active(client, world, sign_in):
    sign_in(world.participant)
    with client.session_transaction() as session:
        session[SESSION_SIGNED_IN_AT] = (datetime.now(UTC) - timedelta(hours=12, minutes=1)).timestamp()
    assert client.get("/dashboard").status_code == 302


def test_activity_keeps_a_session_alive(client, world, sign_in):
    sign_in(world.participant)
    with client.session_transaction() as session:
        session[SESSION_LAST_SEEN] = (datetime.now(UTC) - timedelta(minutes=29)).timestamp()
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200


def test_password_link_sets_a_password_once(client, world):
    invited = make_user(Role.PARTICIPANT, world.moj, with_password=False)
    db.session.commit()
    token = make_password_token(invited)
    assert "Set your password" in client.get(f"/set-password/{token}").text
    new_password = "a long and memorable phrase"
    response = client.post(f"/set-password/{token}", data={"password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert sign_in_form(client, invited.email, new_password).status_code == 302
    client.post("/sign-out")
    again = client.get(f"/set-password/{token}")
    assert again.status_code == 400
    assert "already been used" in again.text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == invited.id)).all()
    assert any("Set password" in e.summary for e in event)
    assert all(new_password not in str(e.after) for e in event)


def test_expired_and_tampered_password_links_are_refused(app, client, world):
    invited = make_user(Role.PARTICIPANT, world.moj, with_password=False)
    db.session.commit()
    token = make_password_token(invited)
    assert "not complete" in client.get(f"/set-password/{token[:-3]}xyz").text
    app.config["PASSWORD_LINK_HOURS"] = -1
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 400 and "expired" in response.text


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short one", "short one", "12 characters or more"),
        ("x" * 129, "x" * 129, "128 characters or fewer"),
        ("password1234", "password1234", "too common"),
        ("Password1234", "Password1234", "too common"),
        ("a long and memorable phrase", "a different phrase entirely", "do not match"),
        ("", "", "Enter a new password"),
    ],
)
def test_password_link_refuses_weak_or_mismatched_passwords(client, world, password, confirm, message):
    invited = make_user(Role.PARTICIPANT, world.moj, with_password=False)
    db.session.commit()
    token = make_password_token(invited)
    response = client.post(f"/set-password/{token}", data={"password": password, "confirm": confirm})
    assert response.status_code == 400
    assert message in response.text
    db.session.refresh(invited)
    assert invited.password_hash is None


def test_change_password_ends_other_sessions_but_not_this_one(app, client, world):
    sign_in_form(client, world.sponsor.email)
    other_device = app.test_client()
    sign_in_form(other_device, world.sponsor.email)
    assert other_device.get("/dashboard").status_code == 200
    new_password = "sixty four characters are allowed " * 1 + "and more words"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other_device.get("/dashboard").status_code == 302
    client.post("/sign-out")
    assert sign_in_form(client, world.sponsor.email, PASSWORD).status_code == 400
    assert sign_in_form(client, world.sponsor.email, new_password).status_code == 302


def test_change_password_needs_the_current_one(client, world, sign_in):
    sign_in(world.sponsor)
    response = client.post(
        "/account/password",
        data={"current_password": "not my password", "password": "x" * 64, "confirm": "x" * 64},
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.text


def test_sixty_four_character_password_is_accepted(client, world, sign_in):
    sign_in(world.sponsor)
    long_password = "the quick brown fox jumps over the lazy dog and keeps on running"
    assert len(long_password) >= 64
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": long_password, "confirm": long_password},
    )
    assert response.status_code == 302


def test_forms_refuse_a_missing_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.text
    assert client.get("/dashboard").status_code == 302  # not signed in


def test_sign_in_works_with_the_csrf_token_from_the_page(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/sign-in").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/sign-in", data={"email": world.admin.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_sign_in_is_rate_limited_per_address(database_url, world):
    from cohort import create_app

    limited = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": True}
    )
    client = limited.test_client()
    codes = [
        client.post(
            "/sign-in", data={"email": f"guess{i}@example.gov.uk", "password": "guessing away"}
        ).status_code
        for i in range(31)
    ]
    assert codes[:30] == [400] * 30
    assert codes[30] == 429
    with limited.app_context():
        db.engine.dispose()


def test_sign_in_attempts_and_refusals_are_logged_without_passwords(client, world, sign_in, caplog):
    caplog.set_level("INFO", logger="cohort.security")
    sign_in_form(client, world.admin.email, "my secret guess")
    sign_in_form(client, world.participant.email)
    client.get("/admin/users")  # participant: refused
    client.get(f"/cohorts/{world.other_cohort.slug}")  # out of scope: refused
    text = caplog.text
    assert f"sign-in failed for '{world.admin.email}'" in text
    assert f"sign-in succeeded for '{world.participant.email}'" in text
    assert "refused GET /admin/users" in text and "(403)" in text
    assert f"refused GET /cohorts/{world.other_cohort.slug}" in text and "(404)" in text
    assert "my secret guess" not in text and PASSWORD not in text
