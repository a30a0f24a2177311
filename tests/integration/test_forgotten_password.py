""" "Forgotten your password?" (docs/messages.md, Invitations and forgotten passwords).

The link from the sign-in page, the same answer whether or not the address has an account, a
reset link that works once and for PASSWORD_RESET_MINUTES, every session ended when the password
is set, at most PASSWORD_RESETS_PER_HOUR links an hour per account, Flask-Limiter per address and
per IP, and nothing secret in the log.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from sqlalchemy import select

from cohort import create_app
from cohort.extensions import db
from cohort.models import Message, Role
from tests import factories
from tests.conftest import TEMPLATE_CACHE, IsolatedClient
from tests.factories import PASSWORD
from tests.mail import link_in, outbox

NEW_PASSWORD = "seven quiet herons at dawn"


@pytest.fixture(autouse=True)
def quick(app):
    # The answer's minimum time is tested on its own below; elsewhere it would only slow the suite.
    app.config["FORGOTTEN_PASSWORD_MIN_SECONDS"] = 0


def _ask(client, email: str):
    return client.post("/forgotten-password", data={"email": email})


def _path(link: str) -> str:
    return urlsplit(link).path


def _sign_in(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def _normalised(page: str, email: str) -> str:
    """The page with the address typed and per-request values taken out, to compare two answers."""
    body = page.split("<main", 1)[1].split("</main>", 1)[0]
    return body.replace(email, "ADDRESS")


def test_sign_in_page_links_to_the_form(client):
    page = client.get("/sign-in").text
    assert 'href="/forgotten-password"' in page and "Forgotten your password?" in page
    form = client.get("/forgotten-password")
    assert form.status_code == 200
    assert "Reset your password" in form.text and 'autocomplete="username"' in form.text


def test_reset_link_sets_a_new_password_ends_every_session_and_works_once(app, client, world):
    # Siân is signed in on another device (perhaps not hers).
    elsewhere = app.test_client()
    assert _sign_in(elsewhere, world.participant.email, PASSWORD).status_code == 302
    assert elsewhere.get("/dashboard").status_code == 200

    answer = _ask(client, world.participant.email)
    assert answer.status_code == 200
    assert "Check your email" in answer.text and "lasts 60 minutes" in answer.text

    (message,) = outbox("password_reset")
    assert message.to_address == world.participant.email
    assert message.key == f"password_reset:user:{world.participant.id}:{world.participant.id}:1"
    assert message.subject == "Reset your Cohort password"
    assert message.holds_secret
    assert "Dear Siân O'Neill" in message.body_text and "lasts 60 minutes" in message.body_text
    link = link_in(message, "/set-password/")

    page = client.get(_path(link))
    assert page.status_code == 200
    assert "Choose a new password" in page.text and "signs you out everywhere" in page.text
    done = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302

    assert elsewhere.get("/dashboard").status_code == 302  # the other session has ended
    assert _sign_in(client, world.participant.email, PASSWORD).status_code == 400
    assert _sign_in(client, world.participant.email, NEW_PASSWORD).status_code == 302
    client.post("/sign-out")
    used = client.get(_path(link))
    assert used.status_code == 400 and "already been used" in used.text


def test_an_address_with_no_account_gets_the_same_page_and_no_email(client, world):
    known = _ask(client, world.participant.email)
    unknown = _ask(client, "nobody.here@justice.gov.uk")
    assert unknown.status_code == known.status_code == 200
    assert _normalised(unknown.text, "nobody.here@justice.gov.uk") == _normalised(
        known.text, world.participant.email
    )
    assert [m.to_address for m in outbox()] == [world.participant.email]


def test_a_deactivated_account_gets_the_same_page_and_no_email(client, world):
    gone = factories.make_user(Role.PARTICIPANT, world.moj, email="gone@justice.gov.uk", active=False)
    db.session.commit()
    answer = _ask(client, gone.email)
    assert answer.status_code == 200 and "Check your email" in answer.text
    assert outbox() == []


def test_the_answer_takes_as_long_with_or_without_an_account(app, client, world):
    app.config["FORGOTTEN_PASSWORD_MIN_SECONDS"] = 0.3
    timings: dict[str, list[float]] = {"account": [], "none": []}
    _ask(client, world.facilitator.email)  # the first e-mail composed warms the template cache
    for n in range(3):
        for who, email in (("account", world.sponsor.email), ("none", f"nobody{n}@justice.gov.uk")):
            started = time.monotonic()
            assert _ask(client, email).status_code == 200
            timings[who].append(time.monotonic() - started)
    assert len(outbox("password_reset", to=world.sponsor)) == 3
    assert min(timings["account"] + timings["none"]) >= 0.3
    # Both sit on the floor: the medians differ by noise, not by the work of sending an e-mail.
    assert abs(sorted(timings["account"])[1] - sorted(timings["none"])[1]) < 0.05


def test_a_reset_link_expires_after_the_minutes_set(client, world):
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False) as traveller:
        _ask(client, world.sponsor.email)
        link = link_in(outbox("password_reset")[0], "/set-password/")
        traveller.move_to(datetime(2026, 11, 27, 9, 59, tzinfo=UTC))
        assert client.get(_path(link)).status_code == 200
        traveller.move_to(datetime(2026, 11, 27, 10, 1, tzinfo=UTC))
        expired = client.get(_path(link))
        assert expired.status_code == 400
        assert "expired" in expired.text and "lasts 60 minutes" in expired.text
        refused = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert refused.status_code == 400
    assert _sign_in(client, world.sponsor.email, PASSWORD).status_code == 302  # unchanged


def test_an_invitation_link_lasts_longer_than_a_reset_link(client, world):
    """Different salts and lifetimes: a reset link is never good for the invitation's 72 hours."""
    from cohort.auth.messages import queue_invitation

    invited = factories.make_user(Role.PARTICIPANT, world.moj, with_password=False)
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False) as traveller:
        queue_invitation(invited)
        db.session.commit()
        _ask(client, invited.email)
        invitation = link_in(outbox("invitation")[0], "/set-password/")
        reset = link_in(outbox("password_reset")[0], "/set-password/")
        traveller.move_to(datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
        assert client.get(_path(reset)).status_code == 400
        assert client.get(_path(invitation)).status_code == 200


def test_at_most_three_links_an_hour_for_one_account(client, world):
    with time_machine.travel(datetime(2026, 11, 27, 9, 0, tzinfo=UTC), tick=False) as traveller:
        for _ in range(5):
            answer = _ask(client, world.sponsor.email)
            assert answer.status_code == 200 and "Check your email" in answer.text  # the same page
        assert len(outbox("password_reset", to=world.sponsor)) == 3
        traveller.move_to(datetime(2026, 11, 27, 10, 1, tzinfo=UTC))
        _ask(client, world.sponsor.email)
        assert len(outbox("password_reset", to=world.sponsor)) == 4


def test_eight_requests_at_once_send_no_more_than_the_hourly_limit(database_url, world):
    """Eight people (or one script) asking for the same account's link at the same moment, on
    SQLite or PostgreSQL: no error, every one gets the page, and at most three links go out,
    each under its own key."""
    email = world.sponsor.email
    db.session.commit()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "SQLITE_BUSY_TIMEOUT_MS": 30_000,
            "FORGOTTEN_PASSWORD_MIN_SECONDS": 0,
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    barrier = threading.Barrier(8)
    codes: list[int] = []
    errors: list[str] = []

    def ask() -> None:
        try:
            client = app.test_client()
            barrier.wait(timeout=60)
            codes.append(client.post("/forgotten-password", data={"email": email}).status_code)
        except BaseException:  # reported below, not lost in the thread
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        db.engine.dispose()
    assert errors == [], errors[0]
    assert codes == [200] * 8
    keys = list(db.session.scalars(select(Message.key).where(Message.kind == "password_reset")))
    assert 1 <= len(keys) <= 3 and len(set(keys)) == len(keys)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        ("@justice.gov.uk", "Enter an email address in the correct format"),
        ("a" * 250 + "@x.uk", "Email address must be 254 characters or fewer"),
    ],
)
def test_bad_addresses_are_refused_with_a_message_and_nothing_sent(client, world, email, message):
    answer = _ask(client, email)
    assert answer.status_code == 400
    assert message in answer.text and "There is a problem" in answer.text
    assert "<title>Error: Reset your password" in answer.text
    assert outbox() == []


def test_requests_are_rate_limited_per_address_and_per_ip(database_url, world):
    limited = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "SERVER_NAME": "localhost",
            "FORGOTTEN_PASSWORD_MIN_SECONDS": 0,
        }
    )
    client = limited.test_client()
    same = [
        client.post("/forgotten-password", data={"email": "guess@justice.gov.uk"}).status_code
        for _ in range(6)
    ]
    assert same == [200] * 5 + [429]
    # Other addresses from the same IP: 10 a minute in all.
    others = [
        client.post("/forgotten-password", data={"email": f"guess{n}@justice.gov.uk"}).status_code
        for n in range(6)
    ]
    assert others[:4] == [200] * 4 and others[-1] == 429
    with limited.app_context():
        db.engine.dispose()


def test_log_lines_name_the_account_by_id_and_hold_no_link(client, world, caplog):
    caplog.set_level(logging.INFO)
    _ask(client, world.participant.email)
    _ask(client, "someone.else@justice.gov.uk")
    link = link_in(outbox("password_reset")[0], "/set-password/")
    token = link.rsplit("/", 1)[1]
    text = caplog.text
    assert f"reset e-mail queued for user {world.participant.id}" in text
    assert "forgotten-password request for an address with no active account" in text
    assert token not in text and link not in text
    assert "someone.else@justice.gov.uk" not in text
    assert world.participant.email not in "\n".join(
        r.getMessage() for r in caplog.records if r.name == "cohort.security"
    )


def test_a_person_still_signed_in_is_signed_out_when_the_link_is_used(app, client, world, sign_in):
    sign_in(world.facilitator)
    _ask(client, world.facilitator.email)
    link = link_in(outbox("password_reset")[0], "/set-password/")
    assert (
        client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    )
    assert client.get("/dashboard").status_code == 302
