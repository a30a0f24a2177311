"""One session per signed-in browser: see them, end one or all (docs/sign-in.md, Sessions)."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from cohort.auth.sessions import describe_device, end_expired_sessions
from cohort.extensions import db
from cohort.models import AuditEvent, Role, UserSession
from tests import factories
from tests.conftest import IsolatedClient
from tests.factories import PASSWORD

CHROME_ON_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def browser(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def sign_in_form(client, email):
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text
    return response


def count_sessions(user) -> int:
    return db.session.scalar(select(func.count(UserSession.id)).where(UserSession.user_id == user.id))


def session_ids_of(user) -> list[int]:
    return list(db.session.scalars(select(UserSession.id).where(UserSession.user_id == user.id)))


def test_signing_out_on_one_browser_leaves_the_other_signed_in(app, world):
    laptop, phone = browser(app, CHROME_ON_WINDOWS), browser(app, SAFARI_ON_IPHONE)
    sign_in_form(laptop, world.sponsor.email)
    sign_in_form(phone, world.sponsor.email)
    assert count_sessions(world.sponsor) == 2

    assert phone.post("/sign-out").status_code == 302
    assert phone.get("/dashboard").status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    assert count_sessions(world.sponsor) == 1


def test_where_you_are_signed_in_lists_each_browser_and_marks_this_one(app, world):
    laptop, phone = browser(app, CHROME_ON_WINDOWS), browser(app, SAFARI_ON_IPHONE)
    sign_in_form(laptop, world.participant.email)
    sign_in_form(phone, world.participant.email)

    page = laptop.get("/account/sessions")
    assert page.status_code == 200
    text = re.sub(r"\s+", " ", page.text)
    assert "Chrome on Windows" in text and "Mobile Safari on iOS" in text
    assert text.count("This browser") == 1
    this_card = text[text.index("Chrome on Windows") : text.index("Chrome on Windows") + 400]
    assert "This browser" in this_card
    assert re.search(r"Signed in with\s*</dt>\s*<dd[^>]*>\s*Password\s*</dd>", text)
    assert "Sign out of all other browsers" in text
    # Someone else's sessions are not listed.
    assert world.sponsor.email not in text


def test_ending_another_browser_from_this_one_refuses_its_cookie(app, world):
    laptop, phone = browser(app, CHROME_ON_WINDOWS), browser(app, SAFARI_ON_IPHONE)
    sign_in_form(laptop, world.sponsor.email)
    sign_in_form(phone, world.sponsor.email)
    phone_session = max(session_ids_of(world.sponsor))
    copied_phone_cookie = phone.get_cookie("cohort_session").value

    response = laptop.post(f"/account/sessions/{phone_session}/end")
    assert response.status_code == 302
    assert "Mobile Safari on iOS has been signed out" in laptop.get(response.headers["Location"]).text

    assert phone.get("/dashboard").status_code == 302
    thief = app.test_client()
    thief.set_cookie("cohort_session", copied_phone_cookie, domain="localhost")
    assert thief.get("/dashboard").status_code == 302
    assert laptop.get("/dashboard").status_code == 200


def test_nobody_can_end_someone_elses_session(app, world):
    victim = browser(app, CHROME_ON_WINDOWS)
    sign_in_form(victim, world.participant.email)
    victims_session = session_ids_of(world.participant)[0]

    attacker = browser(app, SAFARI_ON_IPHONE)
    sign_in_form(attacker, world.other_participant.email)
    response = attacker.post(f"/account/sessions/{victims_session}/end")
    assert response.status_code == 302
    assert "already signed out" in attacker.get(response.headers["Location"]).text
    assert victim.get("/dashboard").status_code == 200
    assert count_sessions(world.participant) == 1


def test_ending_this_browser_from_the_list_signs_it_out(app, world):
    laptop = browser(app, CHROME_ON_WINDOWS)
    sign_in_form(laptop, world.participant.email)
    (mine,) = session_ids_of(world.participant)
    response = laptop.post(f"/account/sessions/{mine}/end")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in")
    assert laptop.get("/dashboard").status_code == 302


def test_sign_out_of_all_other_browsers_keeps_this_one(app, world):
    browsers = [browser(app, CHROME_ON_WINDOWS) for _ in range(3)]
    for each in browsers:
        sign_in_form(each, world.sponsor.email)
    response = browsers[0].post("/account/sessions/end-others")
    assert "2 other devices have been signed out" in browsers[0].get(response.headers["Location"]).text
    assert browsers[0].get("/dashboard").status_code == 200
    assert [b.get("/dashboard").status_code for b in browsers[1:]] == [302, 302]
    # Pressed again: nothing else to end, and it says so.
    again = browsers[0].post("/account/sessions/end-others")
    assert "You were not signed in anywhere else" in browsers[0].get(again.headers["Location"]).text


@pytest.mark.parametrize("path", ["/account/sessions/1/end", "/account/sessions/end-others"])
def test_ending_sessions_needs_the_forms_token(app, world, path):
    app.config["WTF_CSRF_ENABLED"] = True
    laptop = browser(app, CHROME_ON_WINDOWS)
    factories.sign_in_as(laptop, world.participant)
    assert laptop.post(path).status_code == 400
    assert count_sessions(world.participant) == 1


@pytest.mark.parametrize("session_id", ["0", "99999999999999999999", "-1", "abc"])
def test_a_nonsense_session_id_is_not_found_or_already_gone(client, world, sign_in, session_id):
    sign_in(world.participant)
    response = client.post(f"/account/sessions/{session_id}/end")
    assert response.status_code in (302, 404)
    assert client.get("/dashboard").status_code == 200


def test_a_session_idle_too_long_on_the_server_ends_even_with_a_fresh_cookie(client, world, sign_in):
    sign_in(world.participant)
    db.session.execute(update(UserSession).values(last_seen_at=datetime.now(UTC) - timedelta(minutes=31)))
    db.session.commit()
    assert client.get("/dashboard").status_code == 302
    assert count_sessions(world.participant) == 0


def test_a_session_older_than_twelve_hours_ends_however_active(client, world, sign_in):
    sign_in(world.participant)
    db.session.execute(
        update(UserSession).values(created_at=datetime.now(UTC) - timedelta(hours=12, minutes=1))
    )
    db.session.commit()
    assert client.get("/dashboard").status_code == 302


def test_last_used_moves_at_most_once_a_minute(client, world, sign_in):
    sign_in(world.participant)
    a_while_ago = datetime.now(UTC) - timedelta(minutes=5)
    db.session.execute(update(UserSession).values(last_seen_at=a_while_ago))
    db.session.commit()
    assert client.get("/dashboard").status_code == 200
    seen = db.session.scalar(select(UserSession.last_seen_at))
    assert seen > a_while_ago + timedelta(minutes=4)
    assert client.get("/dashboard").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(UserSession.last_seen_at)) == seen


def test_housekeeping_forgets_sessions_past_the_absolute_timeout(app, world):
    for user in (world.participant, world.sponsor):
        factories.session_token_for(user)
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == world.sponsor.id)
        .values(created_at=datetime.now(UTC) - timedelta(hours=13))
    )
    db.session.commit()
    assert end_expired_sessions() == 1
    assert count_sessions(world.participant) == 1 and count_sessions(world.sponsor) == 0


@pytest.mark.parametrize(
    "change",
    ["role", "deactivate"],
)
def test_a_role_change_or_deactivation_ends_every_session(app, world, sign_in, change):
    person = browser(app, CHROME_ON_WINDOWS)
    sign_in_form(person, world.other_participant.email)
    admin = sign_in(world.admin)
    if change == "role":
        response = admin.post(
            f"/admin/users/{world.other_participant.id}/edit",
            data={
                "full_name": world.other_participant.full_name,
                "role": "sponsor",
                "department": str(world.moj.id),
            },
        )
    else:
        response = admin.post(f"/admin/users/{world.other_participant.id}/deactivate")
    assert response.status_code == 302
    assert person.get("/dashboard").status_code == 302
    assert count_sessions(world.other_participant) == 0


def test_programme_manager_signs_someone_out_everywhere_and_it_is_audited(app, world, sign_in):
    laptop, phone = browser(app, CHROME_ON_WINDOWS), browser(app, SAFARI_ON_IPHONE)
    sign_in_form(laptop, world.participant.email)
    sign_in_form(phone, world.participant.email)
    admin = sign_in(world.admin)

    page = admin.get(f"/admin/users/{world.participant.id}").text
    assert "signed in on 2 browsers" in page
    response = admin.post(f"/admin/users/{world.participant.id}/sessions/end")
    assert response.status_code == 302
    assert "has been signed out of 2 browsers" in admin.get(response.headers["Location"]).text
    assert laptop.get("/dashboard").status_code == 302 and phone.get("/dashboard").status_code == 302
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == world.admin.id and event.entity_id == world.participant.id
    assert "out of every browser" in event.summary
    assert event.before == {"signed_in_browsers": 2} and event.after == {"signed_in_browsers": 0}
    # The admin's own session is untouched.
    assert admin.get("/dashboard").status_code == 200


def test_a_programme_manager_ending_their_own_sessions_keeps_this_browser(app, world, sign_in):
    other = browser(app, SAFARI_ON_IPHONE)
    factories.sign_in_as(other, world.admin)
    admin = sign_in(world.admin)
    response = admin.post(f"/admin/users/{world.admin.id}/sessions/end")
    assert response.status_code == 302
    assert admin.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.FACILITATOR, Role.SPONSOR])
def test_only_a_programme_manager_can_sign_someone_out_everywhere(app, world, sign_in, role):
    victim = browser(app, CHROME_ON_WINDOWS)
    factories.sign_in_as(victim, world.other_participant)
    sign_in(world.by_role(role.value)).post(f"/admin/users/{world.other_participant.id}/sessions/end")
    assert victim.get("/dashboard").status_code == 200


def test_the_session_token_rotates_at_sign_in(app, world):
    client = browser(app, CHROME_ON_WINDOWS)
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["_user_id"] = "planted-before-sign-in"
    sign_in_form(client, world.participant.email)
    with client.session_transaction() as session:
        token = session["_user_id"]
    assert token != "planted-before-sign-in" and len(token) >= 40
    # Only the digest is kept.
    assert db.session.scalar(select(func.count()).where(UserSession.token_digest == token)) == 0


def test_session_ends_are_logged_without_the_token(app, world, caplog):
    client = browser(app, CHROME_ON_WINDOWS)
    with caplog.at_level(logging.INFO, logger="cohort.security"):
        sign_in_form(client, world.participant.email)
        with client.session_transaction() as session:
            token = session["_user_id"]
        client.post("/sign-out")
    lines = [r.getMessage() for r in caplog.records if r.name == "cohort.security"]
    assert any("begun" in line for line in lines) and any("ended: signed out" in line for line in lines)
    assert not any(token in line for line in lines)


@pytest.mark.parametrize(
    ("user_agent", "device"),
    [
        (CHROME_ON_WINDOWS, "Chrome on Windows"),
        (SAFARI_ON_IPHONE, "Mobile Safari on iOS"),
        ("", "Unknown browser"),
        ("curl/8.5.0", "curl"),
        ("x" * 5000, "Other on Other"),
    ],
)
def test_the_device_is_named_coarsely(user_agent, device):
    named = describe_device(user_agent)
    assert len(named) <= 120
    assert named == device or (device == "Other on Other" and named)


def test_eight_browsers_signing_in_and_out_at_once_keep_their_own_sessions(database_url, world):
    """Eight browsers of one person sign in at the same moment, then four sign out at once: the
    other four stay signed in, on SQLite and on PostgreSQL, with no error."""
    from cohort import create_app

    email = world.sponsor.email
    db.session.commit()  # the test's own transaction would hold SQLite's write lock
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SQLITE_BUSY_TIMEOUT_MS": 30_000,
        }
    )
    app.test_client_class = IsolatedClient
    clients = [app.test_client() for _ in range(8)]
    barrier = threading.Barrier(8)
    codes: list[int] = []
    errors: list[str] = []

    def run(n: int, step: str) -> None:
        try:
            barrier.wait(timeout=60)
            if step == "in":
                codes.append(
                    clients[n].post("/sign-in", data={"email": email, "password": PASSWORD}).status_code
                )
            elif n % 2:
                codes.append(clients[n].post("/sign-out").status_code)
            else:
                codes.append(clients[n].get("/dashboard").status_code)
        except Exception as error:  # noqa: BLE001 - reported by the assertion
            errors.append(repr(error))

    for step in ("in", "out"):
        threads = [threading.Thread(target=run, args=(n, step)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    try:
        assert errors == []
        assert codes[:8] == [302] * 8 and sorted(codes[8:]) == [200] * 4 + [302] * 4
        db.session.expire_all()
        assert count_sessions(world.sponsor) == 4
        assert [c.get("/dashboard").status_code for c in clients] == [200, 302] * 4
    finally:
        # Last: every connection the threads' app opened is closed, none left to the collector.
        with app.app_context():
            db.engine.dispose()


def test_two_people_are_never_the_same_user(world):
    """Flask-Login compares users by their session's token; outside a request nobody has one."""
    assert world.admin != world.facilitator
    assert world.admin == world.admin
    assert len({world.admin, world.facilitator, world.admin}) == 2
