"""A second factor after the password (docs/sign-in.md, Second factor), through the real forms.

Time is frozen with time-machine at a known instant, so each test knows which 30-second step
it is in; codes are worked out from the person's secret as their app would.
"""

from __future__ import annotations

import re
import threading
import traceback
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from cohort import create_app
from cohort.auth import second_factor as sf
from cohort.extensions import db
from cohort.models import AuditEvent, RecoveryCode, Role, SecondFactor, SignInAttempt, User, UserSession
from tests.conftest import TEMPLATE_CACHE, IsolatedClient
from tests.factories import PASSWORD, sign_in_as

# 10:00:05 UTC: five seconds into a step, so the step does not change during a test.
NOW = datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC)
STEP = sf.current_step(NOW.timestamp())
WRONG_CODE = "The code is not correct or has already been used"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def give_factor(user: User, secret: str | None = None) -> tuple[str, list[str]]:
    """A confirmed second factor and ten recovery codes, as set-up leaves them."""
    secret = secret or pyotp.random_base32(32)
    db.session.add(SecondFactor(user_id=user.id, secret=secret, confirmed_at=NOW - timedelta(days=3)))
    db.session.flush()
    codes = sf.replace_recovery_codes(user)
    db.session.commit()
    return secret, codes


def code(secret: str, offset: int = 0) -> str:
    return sf.code_at(secret, STEP + offset)


def password(client, user: User, next_url: str | None = None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def enter(client, typed: str, url: str = "/sign-in/code"):
    return client.post(url, data={"code": typed})


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def sessions_of(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def failures(user: User) -> int:
    return db.session.scalar(
        select(func.count(SignInAttempt.id)).where(
            SignInAttempt.email == user.email, SignInAttempt.succeeded.is_(False)
        )
    )


def codes_on(page: str) -> list[str]:
    return re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", page)


# --- the code after the password ------------------------------------------------------------


def test_the_right_code_after_the_password_signs_in(client, world):
    secret, _ = give_factor(world.sponsor)
    answer = password(client, world.sponsor)
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in/code"
    page = client.get("/sign-in/code")
    assert page.status_code == 200
    assert "Enter the code from your authenticator app" in page.text
    assert 'href="/sign-in/recovery-code"' in page.text and "Use a recovery code instead" in page.text
    assert not signed_in(client)

    answer = enter(client, code(secret))
    assert answer.status_code == 302 and answer.headers["Location"] == "/dashboard"
    assert signed_in(client)
    assert [s.method for s in sessions_of(world.sponsor)] == ["password and code"]


def test_the_code_goes_on_to_the_page_asked_for(client, world):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor, next_url="/account")
    answer = enter(client, code(secret))
    assert answer.headers["Location"] == "/account"


@pytest.mark.parametrize("typed", ["{0} {1}", "{0}-{1}", " {0}{1} ", "{0}\u00a0{1}"])
def test_spaces_and_hyphens_typed_in_the_code_are_ignored(client, world, typed):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    right = code(secret)
    assert enter(client, typed.format(right[:3], right[3:])).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("offset", [-1, 1])
def test_the_previous_and_next_steps_codes_are_accepted(client, world, offset):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    assert enter(client, code(secret, offset)).status_code == 302
    assert signed_in(client)


@pytest.mark.parametrize("offset", [-2, 2])
def test_codes_further_away_are_refused(client, world, offset):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    answer = enter(client, code(secret, offset))
    assert answer.status_code == 400 and WRONG_CODE in answer.text
    assert not signed_in(client)


def test_a_code_is_refused_the_second_time_in_its_step(app, world):
    secret, _ = give_factor(world.sponsor)
    first, second = app.test_client(), app.test_client()
    password(first, world.sponsor)
    assert enter(first, code(secret)).status_code == 302

    # Someone who saw the code (and has the password) tries it again in the same step.
    password(second, world.sponsor)
    replay = enter(second, code(secret))
    assert replay.status_code == 400 and WRONG_CODE in replay.text
    assert not signed_in(second)
    # An earlier step's code is no better; the next step's is new.
    assert enter(second, code(secret, -1)).status_code == 400
    assert enter(second, code(secret, 1)).status_code == 302
    assert len(sessions_of(world.sponsor)) == 2


def test_the_same_code_sent_twice_at_once_signs_in_only_once(database_url, world):
    """Two browsers past the password send the same code at the same moment (SQLite and PostgreSQL):
    one is signed in, the other told the code is used."""
    secret, _ = give_factor(world.sponsor)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "SQLITE_BUSY_TIMEOUT_MS": 30_000,
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    clients = [app.test_client() for _ in range(4)]
    for client in clients:
        assert password(client, world.sponsor).status_code == 302
    barrier = threading.Barrier(len(clients))
    answers: list[str] = []
    errors: list[str] = []

    def send(client) -> None:
        try:
            barrier.wait(timeout=60)
            answer = enter(client, code(secret))
            answers.append(f"{answer.status_code} {answer.headers.get('Location', '')}".strip())
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        db.engine.dispose()
    assert errors == [], errors[0]
    # One signed in; each other refused, as a used code (400) or, where it ran after the winner
    # had committed (SQLite runs them one at a time), as a sign-in overtaken (back to sign in).
    assert answers.count("302 /dashboard") == 1
    assert all(a in ("302 /dashboard", "400", "302 /sign-in") for a in answers), answers
    assert len(sessions_of(world.sponsor)) == 1
    assert db.session.get(SecondFactor, world.sponsor.id).last_used_step == STEP


def test_two_claims_of_one_step_at_once_only_one_wins(database_url, world):
    """The conditional UPDATE itself, from two threads with their own connections."""
    give_factor(world.sponsor)
    user_id = world.sponsor.id
    db.session.commit()  # (reading the id began a transaction: end it before the threads write)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SQLITE_BUSY_TIMEOUT_MS": 30_000}
    )
    barrier = threading.Barrier(2)
    won: list[bool] = []
    errors: list[str] = []

    def claim() -> None:
        try:
            with app.test_request_context("/sign-in/code", method="POST"):
                barrier.wait(timeout=60)
                won.append(sf._claim_step(user_id, STEP + 1))
                db.session.commit()
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        db.engine.dispose()
    assert errors == [], errors[0]
    assert sorted(won) == [False, True]


def test_wrong_codes_count_towards_the_sign_in_lock(app, client, world):
    app.config["SIGN_IN_MAX_FAILURES"] = 4
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    for _ in range(3):
        answer = enter(client, "000000" if code(secret) != "000000" else "111111")
        assert answer.status_code == 400 and WRONG_CODE in answer.text
    assert failures(world.sponsor) == 3

    locked = enter(client, "999999" if code(secret) != "999999" else "888888")
    assert locked.status_code == 429
    assert "There have been too many attempts to sign in to this account" in locked.text
    assert "<title>Error: Enter the code from your authenticator app" in locked.text
    # Locked: even the right code, and the password page too, until the window passes.
    assert enter(client, code(secret)).status_code == 429
    assert client.get("/sign-in/code").status_code == 429
    assert password(app.test_client(), world.sponsor).status_code == 429
    assert not signed_in(client)


def test_a_replayed_code_is_counted_as_a_failure(app, world):
    secret, _ = give_factor(world.sponsor)
    first, second = app.test_client(), app.test_client()
    password(first, world.sponsor)
    enter(first, code(secret))
    password(second, world.sponsor)
    enter(second, code(secret))
    assert failures(world.sponsor) == 1


# --- recovery codes -------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once(app, world):
    _, recovery = give_factor(world.sponsor)
    client = app.test_client()
    password(client, world.sponsor)
    assert client.get("/sign-in/recovery-code").status_code == 200
    typed = recovery[4].upper().replace("-", " ")  # any case, spaces for hyphens
    answer = client.post("/sign-in/recovery-code", data={"code": typed}, follow_redirects=True)
    assert answer.status_code == 200 and "You have 9 recovery codes left" in answer.text
    assert [s.method for s in sessions_of(world.sponsor)] == ["password and recovery code"]

    again = app.test_client()
    password(again, world.sponsor)
    answer = again.post("/sign-in/recovery-code", data={"code": recovery[4]})
    assert (
        answer.status_code == 400
        and "The recovery code is not correct or has already been used" in answer.text
    )
    assert not signed_in(again)
    assert failures(world.sponsor) == 1


def test_recovery_codes_are_stored_hashed(world):
    _, recovery = give_factor(world.sponsor)
    stored = list(
        db.session.scalars(select(RecoveryCode.code_digest).where(RecoveryCode.user_id == world.sponsor.id))
    )
    assert len(stored) == 10 and len(set(recovery)) == 10
    for plain in recovery:
        assert plain not in stored and plain.replace("-", "") not in stored
        assert sf.recovery_digest(plain) in stored


def test_few_recovery_codes_left_are_warned_of(client, world):
    _, recovery = give_factor(world.sponsor)
    for plain in recovery[:7]:
        db.session.execute(
            RecoveryCode.__table__.update()
            .where(RecoveryCode.code_digest == sf.recovery_digest(plain))
            .values(used_at=NOW)
        )
    db.session.commit()
    password(client, world.sponsor)
    answer = client.post("/sign-in/recovery-code", data={"code": recovery[9]}, follow_redirects=True)
    assert "You have 2 recovery codes left. Get new ones" in answer.text
    account = client.get("/account").text
    assert "2 of 10 recovery codes left" in account
    assert (
        "You have 2 recovery codes left. Get new ones so you can still sign in without your phone" in account
    )


# --- between password and code --------------------------------------------------------------


PAGES = [
    "/dashboard",
    "/account",
    "/account/sessions",
    "/cohorts/",
    "/admin/users",
    "/my-schedule",
    "/account/second-factor/recovery-codes",
    "/account/second-factor/turn-off",
]


def test_a_pending_sign_in_reaches_no_other_page(client, world):
    give_factor(world.admin)
    password(client, world.admin)
    for page in PAGES:
        answer = client.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/sign-in"), page
    # Nor is setting up another factor a way round the code.
    assert client.get("/account/second-factor/set-up").headers["Location"] == "/sign-in/code"
    assert client.post("/account/second-factor/set-up", data={"code": "123456"}).status_code == 302
    assert db.session.get(SecondFactor, world.admin.id).confirmed_at is not None
    assert sessions_of(world.admin) == []


def test_a_pending_sign_in_expires_after_five_minutes(client, world, frozen):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    frozen.shift(timedelta(minutes=5, seconds=1))
    now_code = sf.code_at(secret, sf.current_step())
    answer = enter(client, now_code)
    assert answer.status_code == 302 and answer.headers["Location"] == "/sign-in"
    assert "Your sign-in timed out. Sign in again." in client.get("/sign-in").text
    assert not signed_in(client)
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_one_pending_sign_in_at_a_time(client, world):
    sponsor_secret, _ = give_factor(world.sponsor)
    give_factor(world.participant)
    password(client, world.sponsor)
    password(client, world.participant)  # the later one replaces the first
    assert enter(client, code(sponsor_secret)).status_code == 400
    assert sessions_of(world.sponsor) == [] and sessions_of(world.participant) == []


def test_the_session_id_rotates_when_the_code_is_accepted(app, client, world):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    cookie = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(cookie).value
    with client.session_transaction() as session:
        assert "_user_id" not in session
    enter(client, code(secret))
    after = client.get_cookie(cookie).value
    with client.session_transaction() as session:
        token = session["_user_id"]
        assert sf.PENDING_KEY not in session
    assert token and before != after
    # The cookie from before the code signs nobody in, and cannot finish a sign-in either.
    old = app.test_client()
    old.set_cookie(cookie, before, domain="localhost")
    assert not signed_in(old)
    assert enter(old, code(secret, 1)).headers["Location"] == "/sign-in"


def test_a_factor_reset_between_password_and_code_sends_back_to_sign_in(client, world):
    secret, _ = give_factor(world.sponsor)
    password(client, world.sponsor)
    sf.remove_factor(world.sponsor)
    db.session.commit()
    assert enter(client, code(secret)).headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_people_without_a_factor_whose_role_does_not_need_one_sign_straight_in(client, world):
    answer = password(client, world.participant)
    assert answer.headers["Location"] == "/dashboard"
    assert [s.method for s in sessions_of(world.participant)] == ["password"]


# --- setting one up -------------------------------------------------------------------------


def _setup_secret(page: str) -> str:
    found = re.search(r"<code>([A-Z2-7 ]+)</code>", page)
    assert found, "the key is written out"
    return found.group(1).replace(" ", "")


@pytest.mark.parametrize("role", ["admin", "facilitator"])
def test_the_roles_that_need_one_set_it_up_before_reaching_the_service(app, client, world, role):
    user = world.by_role(role)
    answer = password(client, user, next_url="/cohorts")
    assert answer.headers["Location"] == "/account/second-factor/set-up"
    for page in PAGES:
        assert client.get(page).headers["Location"].startswith("/sign-in"), page

    page = client.get("/account/second-factor/set-up")
    assert page.status_code == 200 and "Set up a second factor" in page.text
    assert 'src="data:image/svg+xml' in page.text
    assert "Back to your account" not in page.text
    secret = _setup_secret(page.text)
    assert len(secret) == 32 and re.search(r"<code>(\w{4} ){7}\w{4}</code>", page.text)
    uri = sf.provisioning_uri(secret, user.email)
    assert "issuer=Cohort" in uri and user.email.replace("@", "%40") in uri
    assert db.session.get(SecondFactor, user.id).confirmed_at is None  # not yet a factor

    # A reload keeps the key (the app may have scanned it already).
    assert _setup_secret(client.get("/account/second-factor/set-up").text) == secret
    wrong = enter(client, "000000" if code(secret) != "000000" else "111111", "/account/second-factor/set-up")
    assert wrong.status_code == 400 and WRONG_CODE in wrong.text and _setup_secret(wrong.text) == secret
    assert not signed_in(client)

    done = enter(client, code(secret), "/account/second-factor/set-up")
    assert done.status_code == 200 and "Save your recovery codes" in done.text
    shown = codes_on(done.text)
    assert len(shown) == 10
    assert 'href="/cohorts"' in done.text and "I have saved my recovery codes" in done.text
    assert signed_in(client)
    assert [s.method for s in sessions_of(user)] == ["password and code"]
    assert db.session.get(SecondFactor, user.id).confirmed_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_id == user.id)).all()[-1]
    assert event.summary == f"Set up a second factor for {user.email}"
    assert secret not in str(event.before) + str(event.after)

    # The next sign-in asks for the code; a recovery code from the page works once.
    again = app.test_client()
    assert password(again, user).headers["Location"] == "/sign-in/code"
    assert again.post("/sign-in/recovery-code", data={"code": shown[0]}).status_code == 302


def test_a_set_up_begun_in_another_browser_is_not_reused(app, client, world):
    password(client, world.admin)
    first = _setup_secret(client.get("/account/second-factor/set-up").text)
    other = app.test_client()
    password(other, world.admin)
    second = _setup_secret(other.get("/account/second-factor/set-up").text)
    assert first != second
    # The first browser's key no longer sets anything up; the second's does.
    assert enter(other, code(second), "/account/second-factor/set-up").status_code == 200
    assert db.session.get(SecondFactor, world.admin.id).secret == second
    assert enter(client, code(first, 1), "/account/second-factor/set-up").status_code == 302
    assert db.session.get(SecondFactor, world.admin.id).secret == second


def test_anyone_may_set_one_up_from_their_account_and_turn_it_off(client, world, sign_in, frozen):
    sign_in(world.participant)
    account = client.get("/account").text
    assert 'href="/account/second-factor/set-up"' in account and "Set up a second factor" in account
    page = client.get("/account/second-factor/set-up")
    assert "Back to your account" in page.text
    secret = _setup_secret(page.text)
    done = enter(client, code(secret), "/account/second-factor/set-up")
    assert done.status_code == 200 and len(codes_on(done.text)) == 10 and 'href="/account"' in done.text
    account = client.get("/account").text
    assert "set up on 23 November 2026" in account and "10 of 10 recovery codes left" in account
    assert "Turn off your second factor" in account

    # Turning it off needs a current code (not the one just used).
    assert enter(client, code(secret), "/account/second-factor/turn-off").status_code == 400
    frozen.shift(timedelta(seconds=30))
    answer = enter(client, sf.code_at(secret, STEP + 1), "/account/second-factor/turn-off")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    assert db.session.get(SecondFactor, world.participant.id) is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0


def test_a_required_role_cannot_turn_it_off(client, world, sign_in):
    secret, _ = give_factor(world.facilitator)
    sign_in(world.facilitator)
    assert "Turn off your second factor" not in client.get("/account").text
    assert client.get("/account/second-factor/turn-off").status_code == 403
    assert enter(client, code(secret), "/account/second-factor/turn-off").status_code == 403
    assert db.session.get(SecondFactor, world.facilitator.id) is not None


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(client, world, sign_in):
    secret, old = give_factor(world.sponsor)
    sign_in(world.sponsor)
    assert client.get("/account/second-factor/recovery-codes").status_code == 200
    wrong = enter(client, "123 45", "/account/second-factor/recovery-codes")
    assert wrong.status_code == 400 and "The code must be 6 digits" in wrong.text
    answer = enter(client, code(secret), "/account/second-factor/recovery-codes")
    new = codes_on(answer.text)
    assert answer.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert "Your earlier recovery codes no longer work" in answer.text
    digests = set(db.session.scalars(select(RecoveryCode.code_digest)))
    assert digests == {sf.recovery_digest(c) for c in new}


# --- a programme manager resets someone's ---------------------------------------------------


def test_a_programme_manager_resets_a_second_factor(app, client, world, sign_in):
    give_factor(world.facilitator)
    elsewhere = app.test_client()
    sign_in_as_other = app.test_client()
    sign_in_as(elsewhere, world.facilitator)
    sign_in_as(sign_in_as_other, world.facilitator)
    sign_in(world.admin)
    page = client.get(f"/admin/users/{world.facilitator.id}")
    assert "Second factor: set up on 20 November 2026" in page.text
    assert "Reset second factor" in page.text

    answer = client.post(f"/admin/users/{world.facilitator.id}/second-factor/reset", follow_redirects=True)
    assert answer.status_code == 200
    assert "second factor has been reset and they have been signed out everywhere" in answer.text
    assert "Second factor: not set up" in answer.text
    assert db.session.get(SecondFactor, world.facilitator.id) is None
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert sessions_of(world.facilitator) == []
    assert not signed_in(elsewhere) and not signed_in(sign_in_as_other)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == world.admin.id and event.entity_id == world.facilitator.id
    assert event.summary.startswith("Reset the second factor of Fran Facilitator")
    # At the next sign-in the facilitator must set up a new one.
    assert (
        password(app.test_client(), world.facilitator).headers["Location"] == "/account/second-factor/set-up"
    )


def test_a_programme_manager_cannot_reset_their_own(client, world, sign_in):
    give_factor(world.admin)
    sign_in(world.admin)
    page = client.get(f"/admin/users/{world.admin.id}").text
    assert "Reset second factor" not in page
    answer = client.post(f"/admin/users/{world.admin.id}/second-factor/reset", follow_redirects=True)
    assert "You cannot reset your own second factor" in answer.text
    assert db.session.get(SecondFactor, world.admin.id) is not None
    assert signed_in(client)


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_only_a_programme_manager_may_reset_one(client, world, sign_in, role):
    give_factor(world.other_participant)
    sign_in(world.by_role(role))
    assert client.post(f"/admin/users/{world.other_participant.id}/second-factor/reset").status_code == 403
    assert db.session.get(SecondFactor, world.other_participant.id) is not None


def test_resetting_an_unknown_person_is_not_found(client, world, sign_in):
    sign_in(world.admin)
    assert client.post("/admin/users/999999/second-factor/reset").status_code == 404
    assert client.post(f"/admin/users/{2**40}/second-factor/reset").status_code == 404


# --- bad input on every form ----------------------------------------------------------------

BAD_CODES = [
    ("", "Enter the 6-digit code from your authenticator app"),
    ("   ", "Enter the 6-digit code from your authenticator app"),
    ("abcdef", "The code must only include numbers 0 to 9"),
    ("12345", "The code must be 6 digits"),
    ("1234567", "The code must be 6 digits"),
    ("123\x00456", "The code must only include numbers 0 to 9"),
    ("1" * 500, "The code must be 6 digits"),
]


def _form_page(app, world, sign_in, client, where: str) -> str:
    """The browser ready to post to the form, as the person it is for."""
    if where in ("/sign-in/code", "/sign-in/recovery-code"):
        give_factor(world.sponsor)
        password(client, world.sponsor)
    elif where == "/account/second-factor/set-up":
        password(client, world.admin)  # the forced set-up, before signing in
    else:
        give_factor(world.sponsor)
        sign_in(world.sponsor)
    return where


@pytest.mark.parametrize(
    "where",
    [
        "/sign-in/code",
        "/account/second-factor/set-up",
        "/account/second-factor/recovery-codes",
        "/account/second-factor/turn-off",
    ],
)
@pytest.mark.parametrize(("typed", "message"), BAD_CODES)
def test_bad_codes_get_a_clear_message(app, client, world, sign_in, where, typed, message):
    _form_page(app, world, sign_in, client, where)
    answer = enter(client, typed, where)
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and message in answer.text
    assert "<title>Error: " in answer.text
    assert failures(world.sponsor) == 0 and failures(world.admin) == 0  # not a wrong code: not counted


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter one of your recovery codes"),
        ("4f7k-2m9p", "A recovery code is 12 letters and numbers"),
        ("4f7k-2m9p-x3q8-abcd", "A recovery code is 12 letters and numbers"),
        ("4f7k-2m9p-x3q0", "A recovery code is 12 letters and numbers"),  # 0 is never in one
        ("4f7k-2m9p\x00x3q8", "A recovery code is 12 letters and numbers"),
        ("é" * 12, "A recovery code is 12 letters and numbers"),
    ],
)
def test_bad_recovery_codes_get_a_clear_message(app, client, world, sign_in, typed, message):
    _form_page(app, world, sign_in, client, "/sign-in/recovery-code")
    answer = client.post("/sign-in/recovery-code", data={"code": typed})
    assert answer.status_code == 400 and message in answer.text and "There is a problem" in answer.text
    assert not signed_in(client)


# --- the demo account -----------------------------------------------------------------------


def test_the_demo_secret_shows_its_code_outside_production_only(app, client, world):
    give_factor(world.admin, sf.DEMO_SECRET)
    password(client, world.admin)
    shown = code(sf.DEMO_SECRET)
    page = client.get("/sign-in/code").text
    assert f"Demo account: the code now is {shown[:3]} {shown[3:]}" in page
    assert enter(client, shown).status_code == 302
    # Once used, the page offers the next step's code instead.
    other = app.test_client()
    password(other, world.admin)
    following = code(sf.DEMO_SECRET, 1)
    assert f"the code now is {following[:3]} {following[3:]}" in other.get("/sign-in/code").text

    app.config["ENV_IS_PRODUCTION"] = True
    assert "Demo account" not in other.get("/sign-in/code").text


def test_another_secret_shows_no_code(client, world):
    give_factor(world.admin)
    password(client, world.admin)
    assert "Demo account" not in client.get("/sign-in/code").text


def test_nothing_secret_is_logged(app, client, world, caplog):
    caplog.set_level("INFO")
    secret, recovery = give_factor(world.sponsor)
    password(client, world.sponsor)
    enter(client, "000000" if code(secret) != "000000" else "111111")
    enter(client, code(secret))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "second factor: code accepted for user" in logged and "second factor: wrong code" in logged
    for value in (secret, code(secret), *recovery):
        assert value not in logged


def test_the_admin_user_page_says_when_none_is_set_up(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(f"/admin/users/{world.facilitator.id}").text
    assert "Second factor: not set up." in page and "Reset second factor" not in page
    assert "will be asked to set one up at the next sign-in" in page


def test_the_roles_that_need_one_follow_the_setting(app, client, world):
    app.config["SECOND_FACTOR_ROLES"] = frozenset({Role.SPONSOR})
    assert password(client, world.admin).headers["Location"] == "/dashboard"
    assert password(app.test_client(), world.sponsor).headers["Location"] == "/account/second-factor/set-up"
    # Someone of another role with a factor is still asked for its code.
    give_factor(world.participant)
    assert password(app.test_client(), world.participant).headers["Location"] == "/sign-in/code"
