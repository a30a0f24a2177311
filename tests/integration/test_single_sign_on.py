"""Single sign-on through a real OpenID Connect provider (docs/sign-in.md, Single sign-on).

oidc-provider-mock runs on 127.0.0.1 (tests/oidc.py); each test drives the flow through the
Flask test client and the provider's own authorization form over HTTP.
"""

from __future__ import annotations

import logging
import re
import socket
from html import unescape
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import AuditEvent, Role, SignInIdentity, User, UserSession
from tests import factories
from tests.oidc import (
    CLIENT_SECRET,
    expired_provider,
    local_path,
    provider_settings,
    running_provider,
    start,
)
from tests.oidc import sign_in as sso_sign_in

MOJ_NAME = "Ministry of Justice account"


@pytest.fixture
def provider():
    with running_provider() as running:
        yield running


def configure(app, *providers):
    app.config["OIDC_PROVIDERS"] = {p.key: p for p in providers}


@pytest.fixture
def moj(app, provider):
    """The provider configured as `moj`, for justice.gov.uk addresses."""
    configure(app, provider.settings())
    return provider


@pytest.fixture
def security_log(caplog):
    caplog.set_level(logging.INFO, logger="cohort.security")
    return caplog


def claims(email: str, verified=True, **extra) -> dict:
    return {"email": email, "email_verified": verified, **extra}


def sessions() -> int:
    return db.session.scalar(select(func.count(UserSession.id))) or 0


def identities() -> list[SignInIdentity]:
    db.session.expire_all()
    return list(db.session.scalars(select(SignInIdentity).order_by(SignInIdentity.id)))


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def refusals(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "cohort.security" and r.getMessage().startswith("single sign-on refused")
    ]


def assert_refused(client, response, status: int, *phrases: str, reason: str, caplog) -> None:
    """The page a person sees, nobody signed in, no session begun, and the log line."""
    assert response.status_code == status, response.text
    page = text_of(response)
    for phrase in phrases:
        assert phrase in page
    assert "Traceback" not in response.text
    assert sessions() == 0
    assert client.get("/account").status_code == 302  # signed out
    assert any(f"single sign-on refused ({reason}) for provider moj" in line for line in refusals(caplog))


def participant(email="amara.okafor@justice.gov.uk", **kwargs) -> User:
    user = factories.make_user(Role.PARTICIPANT, email=email, full_name="Amara Okafor", **kwargs)
    db.session.commit()
    return user


# The sign-in page ----------------------------------------------------------------------------


def test_sign_in_page_without_providers_is_unchanged(client):
    page = client.get("/sign-in").text
    assert "Sign in with" not in page
    assert "Or sign in with your email address and password" not in page
    assert 'name="password"' in page


def test_sign_in_page_offers_each_provider_above_the_password_form(app, client, provider):
    configure(
        app, provider.settings(), provider.settings(key="dvla", name="DVLA account", domains=("dvla.gov.uk",))
    )
    page = client.get("/sign-in?next=/my-schedule").text
    moj_button = page.index("Sign in with Ministry of Justice account")
    dvla_button = page.index("Sign in with DVLA account")
    divider = page.index("Or sign in with your email address and password")
    assert moj_button < dvla_button < divider < page.index('name="password"')
    assert 'href="/sign-in/moj?next=/my-schedule"' in page
    assert 'href="/sign-in/dvla?next=/my-schedule"' in page


# Signing in ----------------------------------------------------------------------------------


def test_two_clicks_sign_in_links_the_account_with_the_same_verified_address(client, moj, security_log):
    user = participant()
    location = start(client)
    asked = parse_qs(urlsplit(location).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0]
    assert asked["redirect_uri"] == ["http://127.0.0.1:5000/sign-in/moj/callback"]
    assert set(asked["scope"][0].split()) == {"openid", "email", "profile"}

    back = moj.authorize(location, "amara-sub", claims("Amara.Okafor@justice.gov.uk"))
    response = client.get(local_path(back))

    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert client.get("/account").status_code == 200
    (identity,) = identities()
    assert (identity.user_id, identity.provider, identity.issuer, identity.subject) == (
        user.id,
        "moj",
        moj.issuer,
        "amara-sub",
    )
    assert identity.email == "amara.okafor@justice.gov.uk" and identity.last_used_at is not None
    row = db.session.scalars(select(UserSession)).one()
    assert (row.user_id, row.method) == (user.id, f"single sign-on ({MOJ_NAME})")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link single sign-on")).one()
    assert event.actor_id == user.id and "at their first sign-in" in event.summary


def test_the_page_asked_for_before_signing_in_is_where_single_sign_on_ends(client, moj):
    participant()
    back = moj.authorize(
        start(client, path="/sign-in/moj?next=/account"), "amara-sub", claims("amara.okafor@justice.gov.uk")
    )
    assert client.get(local_path(back)).headers["Location"] == "/account"


def test_a_known_identity_signs_in_the_same_person_after_their_address_changes(app, client, moj):
    user = participant()
    assert sso_sign_in(client, moj, "amara-sub", claims("amara.okafor@justice.gov.uk")).status_code == 302
    other = app.test_client()
    # The department changed her address, even to one Cohort would not link by: the subject decides.
    response = sso_sign_in(other, moj, "amara-sub", claims("amara.smith@elsewhere.example", verified=False))
    assert response.status_code == 302
    assert db.session.scalars(select(UserSession.user_id)).all() == [user.id, user.id]
    assert len(identities()) == 1


def test_a_different_subject_with_the_same_address_is_not_linked_twice(app, client, moj, security_log):
    participant()
    assert sso_sign_in(client, moj, "amara-sub", claims("amara.okafor@justice.gov.uk")).status_code == 302
    db.session.execute(UserSession.__table__.delete())
    db.session.commit()
    other = app.test_client()
    response = sso_sign_in(other, moj, "someone-else", claims("amara.okafor@justice.gov.uk"))
    assert_refused(
        other,
        response,
        403,
        f"Your account is linked to a different {MOJ_NAME}",
        "already linked to another",
        "ask your programme manager to unlink it",
        reason="other-identity",
        caplog=security_log,
    )
    assert [i.subject for i in identities()] == ["amara-sub"]


def test_a_participant_account_is_made_only_for_a_listed_domain(app, client, provider, security_log):
    moj_department = factories.make_department("MOJ", "Ministry of Justice")
    db.session.commit()
    configure(
        app, provider.settings(domains=("justice.gov.uk", "cps.gov.uk"), create={"justice.gov.uk": "MOJ"})
    )

    response = sso_sign_in(
        client, provider, "new-sub", claims("nadia.ali@justice.gov.uk", given_name="Nadia", family_name="Ali")
    )
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "nadia.ali@justice.gov.uk")).one()
    assert (user.full_name, user.role, user.department_id, user.has_password) == (
        "Nadia Ali",
        Role.PARTICIPANT,
        moj_department.id,
        False,
    )
    assert identities()[0].user_id == user.id
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"create", "link single sign-on"} <= actions

    # cps.gov.uk may be vouched for, but is not listed for new accounts.
    other = app.test_client()
    response = sso_sign_in(other, provider, "cps-sub", claims("sam.cole@cps.gov.uk"))
    assert response.status_code == 403
    assert "There is no Cohort account for sam.cole@cps.gov.uk" in text_of(response)
    assert "Ask your programme manager to add you to Cohort" in text_of(response)
    assert db.session.scalar(select(User).where(User.email == "sam.cole@cps.gov.uk")) is None


def test_no_account_is_made_when_no_domain_is_listed(client, moj, security_log):
    response = sso_sign_in(client, moj, "new-sub", claims("nadia.ali@justice.gov.uk"))
    assert_refused(
        client,
        response,
        403,
        "You do not have a Cohort account",
        "There is no Cohort account for nadia.ali@justice.gov.uk",
        "Ask your programme manager to add you to Cohort",
        reason="no-account",
        caplog=security_log,
    )
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert identities() == []


# Refusals about the person -------------------------------------------------------------------


def test_an_unverified_address_is_not_linked(client, moj, security_log):
    participant()
    response = sso_sign_in(client, moj, "amara-sub", claims("amara.okafor@justice.gov.uk", verified=False))
    assert_refused(
        client,
        response,
        403,
        "Your email address is not confirmed",
        "amara.okafor@justice.gov.uk has not been confirmed",
        "IT service desk",
        reason="unverified-email",
        caplog=security_log,
    )
    assert identities() == []


def test_an_address_outside_the_providers_domains_is_refused(client, moj, security_log):
    participant(email="amara.okafor@dvla.gov.uk")
    response = sso_sign_in(client, moj, "amara-sub", claims("amara.okafor@dvla.gov.uk"))
    assert_refused(
        client,
        response,
        403,
        f"You cannot sign in to Cohort with {MOJ_NAME}",
        "amara.okafor@dvla.gov.uk is not one of them",
        reason="domain",
        caplog=security_log,
    )
    assert identities() == []


def test_a_programme_managers_first_sign_in_is_refused(client, moj, security_log):
    factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    response = sso_sign_in(client, moj, "priya-sub", claims("priya.raman@justice.gov.uk"))
    assert_refused(
        client,
        response,
        403,
        "Link your account before using single sign-on",
        f"‘Link your {MOJ_NAME}’",
        reason="admin-first-sign-in",
        caplog=security_log,
    )
    assert identities() == []


def test_a_facilitators_first_sign_in_links_their_account(client, moj):
    user = factories.make_user(Role.FACILITATOR, email="tom.gallagher@justice.gov.uk")
    db.session.commit()
    assert sso_sign_in(client, moj, "tom-sub", claims("tom.gallagher@justice.gov.uk")).status_code == 302
    assert identities()[0].user_id == user.id


@pytest.mark.parametrize("linked", [False, True], ids=["by address", "known identity"])
def test_a_deactivated_account_is_refused(app, client, moj, security_log, linked):
    user = participant()
    if linked:
        sso_sign_in(app.test_client(), moj, "amara-sub", claims("amara.okafor@justice.gov.uk"))
        db.session.execute(UserSession.__table__.delete())
    user.is_active_account = False
    db.session.commit()
    response = sso_sign_in(client, moj, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    assert_refused(
        client,
        response,
        403,
        "Your account has been deactivated",
        "Ask your programme manager to reactivate your account",
        reason="deactivated",
        caplog=security_log,
    )
    assert len(identities()) == (1 if linked else 0)


def test_the_provider_saying_no_is_refused(client, moj, security_log):
    participant()
    back = moj.deny(start(client))
    response = client.get(local_path(back))
    assert_refused(
        client, response, 403, "You did not sign in", "did not agree", reason="denied", caplog=security_log
    )


# Refusals about the answer -------------------------------------------------------------------


def test_an_answer_with_the_wrong_state_is_refused(client, moj, security_log):
    participant()
    back = moj.authorize(start(client), "amara-sub", claims("amara.okafor@justice.gov.uk"))
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = "forged-state"
    response = client.get(f"{parts.path}?{urlencode(query)}")
    assert_refused(
        client,
        response,
        403,
        "Your sign-in could not be finished",
        "started in another browser or tab",
        "Go back to the sign-in page",
        reason="state",
        caplog=security_log,
    )


def test_a_callback_with_nothing_is_refused(client, moj, security_log):
    response = client.get("/sign-in/moj/callback")
    assert_refused(
        client, response, 403, "Your sign-in could not be finished", reason="state", caplog=security_log
    )


def test_a_replayed_answer_is_refused(app, client, moj, security_log):
    participant()
    location = start(client)
    with client.session_transaction() as saved:
        before = dict(saved)
    back = moj.authorize(location, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    assert client.get(local_path(back)).status_code == 302

    # The same answer again in the same browser: its state was used up.
    db.session.execute(UserSession.__table__.delete())
    db.session.commit()
    again = app.test_client()
    response = again.get(local_path(back))
    assert_refused(
        again, response, 403, "Your sign-in could not be finished", reason="state", caplog=security_log
    )

    # With the browser's state put back as it was, the provider refuses the used code.
    with again.session_transaction() as session:
        session.update(before)
    response = again.get(local_path(back))
    assert_refused(
        again,
        response,
        403,
        "had already been used or had expired",
        reason="code",
        caplog=security_log,
    )


def test_an_answer_for_another_sign_in_is_refused(client, moj, security_log):
    """The ID token's nonce is not the one this browser's sign-in sent."""
    participant()
    location = start(client)
    with client.session_transaction() as session:
        (key,) = [k for k in session if k.startswith("_state_oidc_moj_")]
        state = session[key]
        state["data"]["nonce"] = "another-sign-ins-nonce"
        session[key] = state
    back = moj.authorize(location, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    response = client.get(local_path(back))
    assert_refused(
        client,
        response,
        403,
        "Your sign-in could not be trusted",
        "was not for the sign-in started in this browser",
        reason="nonce",
        caplog=security_log,
    )
    assert identities() == []


@pytest.mark.parametrize(
    ("options", "reason", "phrase"),
    [
        ({"COHORT_TEST_AUDIENCE": "another-service"}, "audience", "meant for a different service"),
        ({"COHORT_TEST_ISSUER": "https://impostor.example"}, "issuer", "did not come from"),
    ],
    ids=["wrong audience", "wrong issuer"],
)
def test_an_id_token_for_someone_else_is_refused(app, client, security_log, options, reason, phrase):
    participant()
    with running_provider(**options) as odd:
        configure(app, odd.settings())
        response = sso_sign_in(client, odd, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    assert_refused(
        client, response, 403, "Your sign-in could not be trusted", phrase, reason=reason, caplog=security_log
    )
    assert identities() == []


def test_an_expired_id_token_is_refused(app, client, security_log):
    participant()
    with expired_provider() as late:
        configure(app, late.settings())
        response = sso_sign_in(client, late, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    assert_refused(
        client,
        response,
        403,
        "Your sign-in had expired",
        "check the server’s clock",
        reason="expired",
        caplog=security_log,
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_provider_that_cannot_be_reached_gets_a_page_not_an_error(app, client, security_log):
    configure(app, provider_settings(f"http://127.0.0.1:{_closed_port()}"))
    response = client.get("/sign-in/moj")
    assert response.status_code == 503
    assert f"{MOJ_NAME} cannot be reached" in text_of(response)
    assert "sign in with your email address and password" in text_of(response)
    assert any("(unavailable)" in line for line in refusals(security_log))


def test_a_provider_that_goes_down_during_sign_in_gets_a_page(app, client, security_log):
    participant()
    with running_provider() as brief:
        configure(app, brief.settings())
        back = brief.authorize(start(client), "amara-sub", claims("amara.okafor@justice.gov.uk"))
    response = client.get(local_path(back))
    assert_refused(client, response, 503, "cannot be reached", reason="unavailable", caplog=security_log)


def test_a_provider_answering_nonsense_gets_a_page(app, client, provider, security_log):
    settings = provider.settings()
    configure(
        app, settings.__class__(**{**settings.__dict__, "discovery_url": provider.url + "/no-such-page"})
    )
    response = client.get("/sign-in/moj")
    assert response.status_code == 502
    assert f"{MOJ_NAME} is not working properly" in text_of(response)
    assert any("(nonsense)" in line for line in refusals(security_log))


def test_an_unknown_provider_is_not_found(client, moj):
    assert client.get("/sign-in/dvla").status_code == 404
    assert client.get("/sign-in/dvla/callback?code=x&state=y").status_code == 404
    assert client.get("/sign-in/" + "m" * 300).status_code == 404


def test_no_code_or_secret_reaches_the_log(client, moj, caplog):
    caplog.set_level(logging.DEBUG)
    participant()
    location = start(client)
    with client.session_transaction() as session:
        (state,) = [v["data"] for k, v in session.items() if k.startswith("_state_oidc_moj_")]
    back = moj.authorize(location, "amara-sub", claims("amara.okafor@justice.gov.uk"))
    code = parse_qs(urlsplit(back).query)["code"][0]
    assert client.get(local_path(back)).status_code == 302
    # The service's own loggers and its libraries' (not the test's HTTP client or the mock provider).
    ours = [
        r.getMessage()
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore", "werkzeug", "oidc_provider"))
    ]
    assert any("single sign-on" in line for line in ours)
    for secret in (code, state["code_verifier"], state["nonce"], CLIENT_SECRET):
        assert not any(secret in line for line in ours)


# Passwords for staff ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ADMIN, Role.FACILITATOR, Role.SPONSOR])
def test_staff_cannot_use_a_password_when_it_is_turned_off(app, client, moj, role):
    app.config["PASSWORD_SIGN_IN_FOR_STAFF"] = False
    user = factories.make_user(role, email="staff.member@justice.gov.uk")
    db.session.commit()
    if role == Role.ADMIN:  # a programme manager once their account is linked
        db.session.add(
            SignInIdentity(user=user, provider="moj", issuer=moj.issuer, subject="s", email=user.email)
        )
        db.session.commit()
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    assert f"cannot sign in with a password: choose ‘Sign in with {MOJ_NAME}’ instead" in text_of(response)
    assert "Facilitators and sponsors must sign in with single sign-on" in text_of(response)
    assert sessions() == 0


def test_a_programme_manager_with_no_linked_account_still_uses_a_password_to_link_one(app, client, moj):
    """Their first single sign-on is refused until they link, so passwords off cannot lock them out."""
    app.config["PASSWORD_SIGN_IN_FOR_STAFF"] = False
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    response = client.post("/sign-in", data={"email": admin.email, "password": factories.PASSWORD})
    assert response.status_code == 302  # on to their second factor


def test_participants_still_use_passwords_when_staff_cannot(app, client, moj):
    app.config["PASSWORD_SIGN_IN_FOR_STAFF"] = False
    user = participant()
    response = client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert sessions() == 1


def test_staff_use_passwords_when_it_is_on(client, moj):
    user = factories.make_user(Role.SPONSOR)
    db.session.commit()
    assert (
        client.post("/sign-in", data={"email": user.email, "password": factories.PASSWORD}).status_code == 302
    )


# Your account → Single sign-on ---------------------------------------------------------------


def _link_href(page: str, name: str) -> str:
    found = re.search(r'href="([^"]+)"[^>]*>\s*Link your ' + re.escape(name), page)
    assert found, page
    return unescape(found.group(1))


def test_your_account_offers_single_sign_on_only_when_a_provider_is_configured(app, client, world, sign_in):
    sign_in(world.participant)
    assert "Single sign-on" not in client.get("/account").text
    with running_provider() as running:
        configure(app, running.settings())
        page = client.get("/account").text
    assert 'href="/account/single-sign-on"' in page


def test_a_programme_manager_links_their_account_then_signs_in_with_it(
    app, client, moj, sign_in, security_log
):
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk", full_name="Priya Raman")
    db.session.commit()
    sign_in(admin)
    page = client.get("/account/single-sign-on")
    assert page.status_code == 200
    assert "You have not linked an account yet" in text_of(page)
    href = _link_href(page.text, MOJ_NAME)
    response = client.get(href)
    assert response.status_code == 302
    back = moj.authorize(response.headers["Location"], "priya-sub", claims("priya.raman@justice.gov.uk"))
    response = client.get(local_path(back))
    assert response.headers["Location"] == "/account/single-sign-on"
    page = client.get("/account/single-sign-on")
    assert f"Your {MOJ_NAME} is linked" in text_of(page)
    assert "priya.raman@justice.gov.uk" in text_of(page) and "Link your" not in text_of(page)
    (identity,) = identities()
    assert identity.user_id == admin.id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "link single sign-on")).one()
    assert event.actor_id == admin.id and "from their account" in event.summary
    assert sessions() == 1  # linking begins no new session

    other = app.test_client()
    assert sso_sign_in(other, moj, "priya-sub", claims("priya.raman@justice.gov.uk")).status_code == 302
    assert sessions() == 2


def test_linking_needs_the_token_from_the_page(client, moj, world, sign_in):
    sign_in(world.admin)
    assert client.get("/account/single-sign-on/moj/link").status_code == 400
    assert client.get("/account/single-sign-on/moj/link?csrf_token=forged").status_code == 400
    assert client.get("/account/single-sign-on/dvla/link").status_code == 404


def _link(client, provider, sub, email):
    href = _link_href(client.get("/account/single-sign-on").text, MOJ_NAME)
    back = provider.authorize(client.get(href).headers["Location"], sub, claims(email))
    return client.get(local_path(back))


def test_linking_someone_elses_provider_account_is_refused(app, client, moj, sign_in, security_log):
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    sign_in(admin)
    response = _link(client, moj, "colleague-sub", "colleague@justice.gov.uk")
    assert response.status_code == 403
    assert f"This {MOJ_NAME} is not yours" in text_of(response)
    assert "is for colleague@justice.gov.uk" in text_of(response)
    assert "Go back to single sign-on" in text_of(response)
    assert any("(wrong-email)" in line for line in refusals(security_log))
    assert identities() == []


def test_linking_an_identity_already_linked_to_another_person_is_refused(app, moj, sign_in, security_log):
    participant()
    assert (
        sso_sign_in(app.test_client(), moj, "amara-sub", claims("amara.okafor@justice.gov.uk")).status_code
        == 302
    )
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    client = sign_in(admin)
    response = _link(client, moj, "amara-sub", "amara.okafor@justice.gov.uk")
    assert response.status_code == 403
    assert f"This {MOJ_NAME} is linked to someone else" in text_of(response)
    assert [i.user.email for i in identities()] == ["amara.okafor@justice.gov.uk"]


def test_linking_with_an_unverified_address_is_refused(client, moj, sign_in, security_log):
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    sign_in(admin)
    href = _link_href(client.get("/account/single-sign-on").text, MOJ_NAME)
    back = moj.authorize(
        client.get(href).headers["Location"], "priya-sub", claims(admin.email, verified=False)
    )
    response = client.get(local_path(back))
    assert response.status_code == 403 and "Your email address is not confirmed" in text_of(response)
    assert identities() == []


def test_linking_after_signing_out_is_refused(client, moj, sign_in, security_log):
    admin = factories.make_user(Role.ADMIN, email="priya.raman@justice.gov.uk")
    db.session.commit()
    sign_in(admin)
    href = _link_href(client.get("/account/single-sign-on").text, MOJ_NAME)
    location = client.get(href).headers["Location"]
    db.session.execute(UserSession.__table__.delete())  # signed out from another browser
    db.session.commit()
    response = client.get(local_path(moj.authorize(location, "priya-sub", claims(admin.email))))
    assert response.status_code == 403 and "signed out of Cohort before the link was finished" in text_of(
        response
    )
    assert identities() == []


# Unlinking -------------------------------------------------------------------------------------


def _signed_in_with_identity(app, moj, email="amara.okafor@justice.gov.uk", role=Role.PARTICIPANT):
    user = factories.make_user(role, email=email, full_name="Amara Okafor")
    db.session.commit()
    client = app.test_client()
    assert sso_sign_in(client, moj, "amara-sub", claims(email)).status_code == 302
    return client, user, identities()[0]


def test_unlinking_asks_first_then_unlinks(app, moj):
    client, user, identity = _signed_in_with_identity(app, moj)
    page = client.get("/account/single-sign-on")
    assert f'href="/account/single-sign-on/unlink?identity={identity.id}"' in page.text
    confirm = client.get(f"/account/single-sign-on/unlink?identity={identity.id}")
    assert confirm.status_code == 200
    assert f"Unlink your {MOJ_NAME}" in text_of(confirm)
    assert "You will no longer be able to sign in to Cohort with this account" in text_of(confirm)
    assert identities()  # nothing changed by asking
    response = client.post("/account/single-sign-on/unlink", data={"identity": identity.id})
    assert response.headers["Location"] == "/account/single-sign-on"
    assert f"Your {MOJ_NAME} is unlinked" in text_of(client.get("/account/single-sign-on"))
    assert identities() == []
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unlink single sign-on")).one()
    assert event.actor_id == user.id and event.before["provider"] == "moj"


def test_unlinking_needs_the_forms_token(app, moj):
    app.config["WTF_CSRF_ENABLED"] = True
    client, _user, identity = _signed_in_with_identity(app, moj)
    assert client.post("/account/single-sign-on/unlink", data={"identity": identity.id}).status_code == 400
    assert len(identities()) == 1


@pytest.mark.parametrize("bad", ["", "abc", "-1", "99999999999", "1.5"])
def test_unlinking_with_bad_input_changes_nothing(app, moj, bad):
    client, _user, _identity = _signed_in_with_identity(app, moj)
    assert client.post("/account/single-sign-on/unlink", data={"identity": bad}).status_code == 400
    assert client.get(f"/account/single-sign-on/unlink?identity={bad}").status_code == 404
    assert len(identities()) == 1


def test_nobody_unlinks_someone_elses_account(app, moj, world, sign_in):
    _client, _user, identity = _signed_in_with_identity(app, moj)
    client = sign_in(world.participant)
    assert client.get(f"/account/single-sign-on/unlink?identity={identity.id}").status_code == 404
    response = client.post("/account/single-sign-on/unlink", data={"identity": identity.id})
    assert response.status_code == 302
    assert "That account was already unlinked" in text_of(client.get("/account/single-sign-on"))
    assert len(identities()) == 1


def test_the_last_way_in_of_a_staff_member_is_not_unlinked(app, moj):
    app.config["PASSWORD_SIGN_IN_FOR_STAFF"] = False
    client, _user, identity = _signed_in_with_identity(
        app, moj, "tom.gallagher@justice.gov.uk", Role.FACILITATOR
    )
    page = client.get(f"/account/single-sign-on/unlink?identity={identity.id}")
    assert page.status_code == 200
    assert "This is the only way Amara Okafor can sign in" in text_of(page)
    assert 'value="Unlink"' not in page.text and ">Unlink<" not in page.text.replace(" ", "")
    response = client.post("/account/single-sign-on/unlink", data={"identity": identity.id})
    assert response.status_code == 409
    assert len(identities()) == 1


def test_a_programme_manager_sees_and_unlinks_someones_account(app, moj, world, sign_in):
    _client, user, identity = _signed_in_with_identity(app, moj)
    client = sign_in(world.admin)
    page = client.get(f"/admin/users/{user.id}")
    assert MOJ_NAME in text_of(page) and "amara.okafor@justice.gov.uk" in text_of(page)
    assert f'action="/admin/users/{user.id}/single-sign-on/unlink"' in page.text
    response = client.post(f"/admin/users/{user.id}/single-sign-on/unlink", data={"identity": identity.id})
    assert response.status_code == 302
    assert f"Amara Okafor’s {MOJ_NAME} is unlinked" in text_of(client.get(f"/admin/users/{user.id}"))
    assert identities() == []
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unlink single sign-on")).one()
    assert event.actor_id == world.admin.id


def test_a_programme_manager_does_not_unlink_a_staff_members_last_way_in(app, moj, world, sign_in):
    app.config["PASSWORD_SIGN_IN_FOR_STAFF"] = False
    _client, user, identity = _signed_in_with_identity(
        app, moj, "tom.gallagher@justice.gov.uk", Role.FACILITATOR
    )
    client = sign_in(world.admin)
    client.post(f"/admin/users/{user.id}/single-sign-on/unlink", data={"identity": identity.id})
    assert "This is the only way" in text_of(client.get(f"/admin/users/{user.id}"))
    assert len(identities()) == 1


@pytest.mark.parametrize("bad", ["", "abc", "99999999999"])
def test_a_programme_managers_unlink_with_bad_input_changes_nothing(app, moj, world, sign_in, bad):
    _client, user, _identity = _signed_in_with_identity(app, moj)
    client = sign_in(world.admin)
    assert (
        client.post(f"/admin/users/{user.id}/single-sign-on/unlink", data={"identity": bad}).status_code
        == 400
    )
    assert len(identities()) == 1


def test_a_programme_managers_unlink_names_the_persons_own_account(app, moj, world, sign_in):
    _client, _user, identity = _signed_in_with_identity(app, moj)
    client = sign_in(world.admin)
    response = client.post(
        f"/admin/users/{world.participant.id}/single-sign-on/unlink", data={"identity": identity.id}
    )
    assert response.status_code == 302
    assert len(identities()) == 1


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_only_programme_managers_unlink_other_peoples_accounts(app, moj, world, sign_in, role):
    _client, user, identity = _signed_in_with_identity(app, moj)
    client = sign_in(world.by_role(role))
    response = client.post(f"/admin/users/{user.id}/single-sign-on/unlink", data={"identity": identity.id})
    assert response.status_code == 403
    assert len(identities()) == 1


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor", "admin"])
def test_every_role_has_its_single_sign_on_page(app, moj, world, sign_in, role):
    client = sign_in(world.by_role(role))
    page = client.get("/account/single-sign-on")
    assert page.status_code == 200 and f"Link your {MOJ_NAME}" in text_of(page)
    assert client.get("/account").text.count('href="/account/single-sign-on"') == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, moj):
    for path in (
        "/account/single-sign-on",
        "/account/single-sign-on/moj/link",
        "/account/single-sign-on/unlink",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_only_a_page_of_this_site_is_where_sign_in_ends(client, moj):
    participant()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        back = moj.authorize(
            start(client, path=f"/sign-in/moj?{urlencode({'next': target})}"),
            "amara-sub",
            claims("amara.okafor@justice.gov.uk"),
        )
        response = client.get(local_path(back))
        assert response.headers["Location"] == "/dashboard", target
        client.post("/sign-out")


def test_what_cohort_takes_from_the_provider():
    from cohort.auth.oidc import Refusal, asserted

    settings = provider_settings("https://login.example")
    said = asserted(
        {
            "iss": "https://login.example",
            "sub": "s1",
            "email": " Amara@Justice.GOV.uk ",
            "email_verified": "true",
            "given_name": "Amara",
            "family_name": "  Okafor ",
        },
        settings,
    )
    assert (said.email, said.email_verified, said.name) == ("amara@justice.gov.uk", True, "Amara Okafor")
    assert (
        asserted({"iss": "i", "sub": "s", "email": "not-an-address", "email_verified": 1}, settings).email
        is None
    )
    assert asserted({"iss": "i", "sub": "s", "email_verified": 1}, settings).email_verified is False
    for broken in ({"sub": "s"}, {"iss": "i"}, {"iss": "i", "sub": 7}, {"iss": "i", "sub": "s" * 256}):
        with pytest.raises(Refusal) as refused:
            asserted(broken, settings)
        assert refused.value.reason == "nonsense" and refused.value.status == 502
