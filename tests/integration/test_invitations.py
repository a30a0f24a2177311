"""Invitations to set a password (docs/messages.md, Invitations and forgotten passwords).

A programme manager inviting someone, enrolling a new person, sending the invitations after an
import (once each, however often or by however many people the button is pressed), and sending a
new invitation from a person's page; the link in the e-mail sets the password and signs them in.
"""

from __future__ import annotations

import threading
import traceback
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from cohort import create_app
from cohort.extensions import db
from cohort.messages.delivery import SECRET_REMOVED
from cohort.models import AuditEvent, EnrolmentStatus, Message, MessageStatus, Role, User
from tests import factories
from tests.conftest import TEMPLATE_CACHE, IsolatedClient
from tests.integration.test_enrolment import enrol_form
from tests.integration.test_nominations_import import confirm_values, csv_bytes, upload
from tests.mail import link_in, outbox

NEW_PASSWORD = "a long and memorable phrase"


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "imports")


def _path(link: str) -> str:
    """The link as the test client opens it (SERVICE_URL's host is not the client's)."""
    return urlsplit(link).path


def _set_password_through(client, link: str, password: str = NEW_PASSWORD):
    page = client.get(_path(link))
    assert page.status_code == 200, page.text
    return client.post(_path(link), data={"password": password, "confirm": password})


def _sign_in(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def _invite(client, world, email="noor.haddad@justice.gov.uk", name="Noor Haddad"):
    return client.post(
        "/admin/users/invite",
        data={
            "full_name": name,
            "email": email,
            "role": "participant",
            "department": str(world.moj.id),
            "job_title": "",
        },
    )


def _invited_people(cohort, *names: str) -> list[User]:
    people = []
    for name in names:
        person = factories.make_user(Role.PARTICIPANT, None, full_name=name, with_password=False)
        factories.enrol(cohort, person)
        people.append(person)
    db.session.commit()
    return people


# Inviting one person ---------------------------------------------------------------------------


def test_invited_person_follows_the_emailed_link_sets_a_password_and_signs_in(app, client, world, sign_in):
    _invite(sign_in(world.admin), world)
    noor = db.session.scalar(select(User).where(User.email == "noor.haddad@justice.gov.uk"))

    (message,) = outbox("invitation")
    assert message.to_address == "noor.haddad@justice.gov.uk"
    assert message.recipient_id == noor.id
    assert message.key == f"invitation:user:{noor.id}:{noor.id}:first"
    assert message.subject == "Set your password for Cohort"
    assert message.status == MessageStatus.SENT and message.holds_secret
    assert "Dear Noor Haddad" in message.body_text
    assert "lasts 72 hours" in message.body_text
    link = link_in(message, "/set-password/")
    assert link.startswith(app.config["SERVICE_URL"].rstrip("/"))

    visitor = app.test_client()
    assert _set_password_through(visitor, link).status_code == 302
    assert _sign_in(visitor, noor.email, NEW_PASSWORD).status_code == 302
    assert visitor.get("/dashboard").status_code == 200
    # The link works once.
    again = app.test_client().get(_path(link))
    assert again.status_code == 400 and "already been used" in again.text


def test_enrolling_a_new_person_emails_their_invitation_naming_the_cohort(client, world, sign_in):
    sign_in(world.admin)
    client.post(
        f"/cohorts/{world.cohort.slug}/enrol",
        data=enrol_form(email="nia.evans@gov.wales", full_name="Nia Evans", department=str(world.moj.id)),
    )
    (message,) = outbox("invitation", to="nia.evans@gov.wales")
    assert f"You have a place on {world.cohort.name}" in message.body_text
    assert (
        _set_password_through(
            client.application.test_client(), link_in(message, "/set-password/")
        ).status_code
        == 302
    )


def test_enrolling_someone_with_an_account_sends_no_invitation(client, world, sign_in):
    known = factories.make_user(Role.PARTICIPANT, world.moj, email="kim@justice.gov.uk")
    db.session.commit()
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.other_cohort.slug}/enrol",
        data=enrol_form(email=known.email),
    )
    assert response.status_code == 302, response.text
    assert outbox("invitation") == []


# After an import: the result page's button --------------------------------------------------------


def test_import_result_page_sends_each_invitation_once_however_often_it_is_pressed(client, world, sign_in):
    sign_in(world.admin)
    rows = [
        ["Email", "Full name", "Department"],
        ["ann@justice.gov.uk", "Ann Able", "MOJ"],
        ["bob@justice.gov.uk", "Bob Brown", "MOJ"],
        ["cat@dvla.gov.uk", "Cat Cole", "DVLA"],
    ]
    upload(client, world.cohort.slug, csv_bytes(rows))
    preview = client.get(f"/cohorts/{world.cohort.slug}/import/preview").text
    done = client.post(f"/cohorts/{world.cohort.slug}/import/confirm", data=confirm_values(preview))
    # Nothing is sent by the import itself: the programme manager chooses when.
    assert outbox("invitation") == []

    page = client.get(done.headers["Location"])
    assert page.status_code == 200
    assert "Send invitations to the 3 people who have not signed in yet" in page.text
    for name in ("Ann Able", "Bob Brown", "Cat Cole"):
        assert name in page.text
    # Siân and Zoë (world.cohort) have passwords: not on the list.
    assert "Siân" not in page.text

    sent = client.post(f"/cohorts/{world.cohort.slug}/invitations", follow_redirects=True)
    assert "3 invitations to set a password have been emailed" in sent.text
    assert "Everyone in this cohort has signed in or has been sent an invitation" in sent.text
    messages = outbox("invitation")
    assert sorted(m.to_address for m in messages) == [
        "ann@justice.gov.uk",
        "bob@justice.gov.uk",
        "cat@dvla.gov.uk",
    ]
    assert all(m.key.endswith(":first") for m in messages)
    assert all(world.cohort.name in m.body_text for m in messages)
    assert all(m.status == MessageStatus.SENT for m in messages)  # delivered straight after the press

    again = client.post(f"/cohorts/{world.cohort.slug}/invitations", follow_redirects=True)
    assert "Nobody was sent an invitation" in again.text
    assert len(outbox("invitation")) == 3

    # Each link works for its own person.
    cat = outbox("invitation", to="cat@dvla.gov.uk")[0]
    visitor = client.application.test_client()
    assert _set_password_through(visitor, link_in(cat, "/set-password/")).status_code == 302
    assert _sign_in(visitor, "cat@dvla.gov.uk", NEW_PASSWORD).status_code == 302


def test_the_button_leaves_out_people_signed_in_withdrawn_deactivated_or_already_invited(
    client, world, sign_in
):
    waiting, withdrawn, gone, invited = _invited_people(
        world.cohort, "Wes Waiting", "Wyn Withdrawn", "Gil Gone", "Ida Invited"
    )
    withdrawn_enrolment = factories.enrolment_of(world.cohort, withdrawn)
    withdrawn_enrolment.status = EnrolmentStatus.WITHDRAWN
    withdrawn_enrolment.withdrawn_on = world.cohort.start_date
    withdrawn_enrolment.withdrawal_reason = "Moved post"
    gone.is_active_account = False
    db.session.commit()
    sign_in(world.admin)
    client.post(f"/admin/users/{invited.id}/invitation", data={"occasion": "00000000000000aa"})
    assert len(outbox("invitation")) == 1

    page = client.get(f"/cohorts/{world.cohort.slug}/invitations").text
    assert "Send invitations to the 1 person who has not signed in yet" in page
    client.post(f"/cohorts/{world.cohort.slug}/invitations")
    assert sorted(m.to_address for m in outbox("invitation")) == sorted([waiting.email, invited.email])


def test_two_people_pressing_the_button_at_once_send_each_invitation_once(database_url, world):
    """8 programme managers' browsers press "Send invitations" at the same moment, on SQLite or
    PostgreSQL: no error, and every person has exactly one invitation."""
    people = _invited_people(world.cohort, *(f"Person {n}" for n in range(12)))
    admins = [world.admin] + [factories.make_user(Role.ADMIN) for _ in range(7)]
    db.session.commit()
    tokens = [factories.session_token_for(a) for a in admins]
    url = f"/cohorts/{world.cohort.slug}/invitations"
    db.session.commit()  # the test's own read transaction would hold SQLite's lock
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
    barrier = threading.Barrier(len(admins))
    codes: list[int] = []
    errors: list[str] = []

    def press(token: str) -> None:
        try:
            client = app.test_client()
            factories.sign_in_as(client, token)
            barrier.wait(timeout=60)
            codes.append(client.post(url).status_code)
        except BaseException:  # reported below, not lost in the thread
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=press, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with app.app_context():
        db.engine.dispose()
    assert errors == [], errors[0]
    assert codes == [302] * len(admins)
    per_person = dict(
        db.session.execute(
            select(Message.recipient_id, func.count(Message.id))
            .where(Message.kind == "invitation")
            .group_by(Message.recipient_id)
        ).all()
    )
    assert per_person == {p.id: 1 for p in people}
    # One audit event per invitation too: the losers of the race recorded nothing.
    events = db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "invitation"))
    assert events == len(people)


# A new invitation from the person's page ----------------------------------------------------------


def test_a_new_invitation_has_a_fresh_link_and_a_double_click_sends_one(client, world, sign_in):
    (person,) = _invited_people(world.cohort, "Rae Resent")
    sign_in(world.admin)
    client.post(f"/cohorts/{world.cohort.slug}/invitations")
    (first,) = outbox("invitation", to=person)

    page = client.get(f"/admin/users/{person.id}").text
    assert "Send a new invitation" in page
    nonce = page.split('name="occasion" type="hidden" value="', 1)[1].split('"', 1)[0]
    for _ in range(2):  # a double click posts the page's form twice
        response = client.post(f"/admin/users/{person.id}/invitation", data={"occasion": nonce})
        assert response.status_code == 302
    shown = client.get(response.headers["Location"]).text
    assert f"A new invitation to set a password has been emailed to Rae Resent ({person.email})" in shown
    invitations = outbox("invitation", to=person)
    assert len(invitations) == 2
    assert invitations[1].key == f"invitation:user:{person.id}:{person.id}:resend-{nonce}"
    fresh = link_in(invitations[1], "/set-password/")
    assert fresh != link_in(first, "/set-password/")

    # The next showing of the page draws a new nonce: another press sends another.
    next_nonce = client.get(f"/admin/users/{person.id}").text.split(
        'name="occasion" type="hidden" value="', 1
    )[1][:16]
    assert next_nonce != nonce
    client.post(f"/admin/users/{person.id}/invitation", data={"occasion": next_nonce})
    assert len(outbox("invitation", to=person)) == 3

    visitor = client.application.test_client()
    assert _set_password_through(visitor, fresh).status_code == 302
    # Once a password is set, every earlier link stops working.
    assert visitor.get(_path(link_in(first, "/set-password/"))).status_code == 400


@pytest.mark.parametrize("occasion", ["", "not-hex", "0123456789ABCDEF", "0" * 17])
def test_a_new_invitation_without_the_pages_nonce_is_refused(client, world, sign_in, occasion):
    (person,) = _invited_people(world.cohort, "Nat Nonce")
    response = sign_in(world.admin).post(f"/admin/users/{person.id}/invitation", data={"occasion": occasion})
    assert response.status_code == 400
    assert "The page was out of date. Nothing was sent" in response.text
    assert outbox() == []


def test_no_new_invitation_for_someone_who_has_set_a_password(client, world, sign_in):
    response = sign_in(world.admin).post(
        f"/admin/users/{world.participant.id}/invitation", data={"occasion": "0123456789abcdef"}
    )
    assert response.status_code == 400
    assert "has already set a password" in response.text and "Forgotten your password?" in response.text
    assert outbox() == []


# What the programme manager sees ------------------------------------------------------------------


def test_users_list_and_user_page_show_the_invitation_and_signing_in(client, world, sign_in):
    waiting, never = _invited_people(world.cohort, "Aaron Asked", "Abe Uninvited")
    sign_in(world.admin)
    client.post(f"/admin/users/{waiting.id}/invitation", data={"occasion": "0123456789abcdef"})
    (message,) = outbox("invitation")

    listing = client.get("/admin/users?q=Aaron").text
    assert "Sent" in listing and "Never" in listing
    assert "Not sent" in client.get("/admin/users?q=Abe").text

    page = client.get(f"/admin/users/{waiting.id}").text
    assert "Invitation" in page and "Sent, " in page
    assert f'href="/admin/outbox/{message.id}"' in page  # the e-mail as it was sent
    assert "Not set yet" in page and "Never" in page
    assert "Not sent" in client.get(f"/admin/users/{never.id}").text


def test_user_page_no_longer_pretends_a_link_would_be_emailed(client, world, sign_in):
    (person,) = _invited_people(world.cohort, "Pia Page")
    page = sign_in(world.admin).get(f"/admin/users/{person.id}").text
    assert "would be e-mailed" not in page and "development service" not in page
    assert "/set-password/" not in page


# Delivery by a real mail server ------------------------------------------------------------------


def test_over_smtp_the_link_arrives_and_the_outbox_copy_loses_it(app, client, world, sign_in, smtp_server):
    _invite(sign_in(world.admin), world, email="sam.smtp@justice.gov.uk", name="Sam Smtp")
    (received,) = smtp_server.messages
    assert received["To"] == "sam.smtp@justice.gov.uk"
    assert received["Subject"] == "Set your password for Cohort"
    text = received.get_body(("plain",)).get_content()
    link = next(word for word in text.split() if "/set-password/" in word)
    (kept,) = outbox("invitation")
    assert kept.transport == "smtp" and kept.body_text == SECRET_REMOVED and link not in kept.body_html
    visitor = app.test_client()
    assert _set_password_through(visitor, link).status_code == 302
    assert _sign_in(visitor, "sam.smtp@justice.gov.uk", NEW_PASSWORD).status_code == 302


def test_a_deactivated_person_is_sent_nothing(client, world, sign_in):
    (person,) = _invited_people(world.cohort, "Dee Deactivated")
    person.is_active_account = False
    db.session.commit()
    client = sign_in(world.admin)
    assert "Send invitations" not in client.get(f"/cohorts/{world.cohort.slug}/invitations").text
    client.post(f"/cohorts/{world.cohort.slug}/invitations")
    assert outbox() == []


# The command line ---------------------------------------------------------------------------------


def test_cli_import_sends_invitations_when_asked_and_never_twice(app, world, tmp_path):
    path = tmp_path / "nominations.csv"
    path.write_bytes(
        csv_bytes([["Email", "Full name", "Department"], ["cli@justice.gov.uk", "Cleo Line", "MOJ"]])
    )
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-participants", str(path), "--cohort", world.cohort.slug])
    assert first.exit_code == 0, first.output
    assert "1 participant has no password yet and no invitation" in first.output
    assert f"/cohorts/{world.cohort.slug}/invitations" in first.output
    assert outbox() == []

    send = ["import-participants", str(path), "--cohort", world.cohort.slug, "--send-invitations"]
    # The file is imported already: only the invitations are left to send.
    second = runner.invoke(args=send)
    assert second.exit_code == 0, second.output
    assert "1 invitation to set a password queued for sending" in second.output
    third = runner.invoke(args=send)
    assert third.exit_code == 0, third.output
    assert "0 invitations to set a password queued for sending" in third.output
    (message,) = outbox("invitation")
    assert message.to_address == "cli@justice.gov.uk"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation")).actor_id is None


# Query counts -------------------------------------------------------------------------------------


def test_invitations_page_and_users_list_take_as_many_queries_for_100_people_as_for_10(
    client, world, sign_in
):
    from tests.querycount import count_queries

    counts = []
    sign_in(world.admin)
    for size in (10, 100):
        cohort = factories.make_cohort(capacity=200)
        people = _invited_people(cohort, *(f"Size{size} Person {n}" for n in range(size)))
        client.post(f"/admin/users/{people[0].id}/invitation", data={"occasion": "0123456789abcdef"})
        db.session.commit()
        with count_queries(db.engine) as page_queries:
            assert client.get(f"/cohorts/{cohort.slug}/invitations").status_code == 200
        with count_queries(db.engine) as list_queries:
            assert client.get(f"/admin/users?q=Size{size}").status_code == 200
        counts.append((len(page_queries), len(list_queries)))
    assert counts[0] == counts[1]
