"""Users: the list with search and paging, inviting, changing, deactivating, invitations."""

from __future__ import annotations

import html
import logging
import re

import pytest
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import AuditEvent, Role, User
from tests import factories
from tests.mail import link_in, outbox
from tests.querycount import count_queries


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _events(action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.entity_type == "User").order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def _names_in_table(text: str) -> list[str]:
    return [
        html.unescape(n)
        for n in re.findall(r'<a class="govuk-link" href="/admin/users/\d+">([^<]+)</a>', text)
    ]


INVITE = {
    "full_name": "Noor Haddad",
    "email": "Noor.Haddad@Justice.GOV.uk",
    "role": "participant",
    "department": "",
    "job_title": "Senior data scientist",
}


def _invite(client, world, **changes):
    data = {**INVITE, "department": str(world.moj.id), **changes}
    return client.post("/admin/users/invite", data=data)


# The list ------------------------------------------------------------------


def test_list_shows_people_by_name_with_role_department_and_status(world, sign_in):
    factories.make_user(Role.PARTICIPANT, world.dvla, full_name="Aaron Invited", with_password=False)
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Abby Gone", active=False)
    db.session.commit()

    response = sign_in(world.admin).get("/admin/users")

    assert response.status_code == 200
    text = response.text
    assert "<title>Users – Cohort</title>" in text
    names = _names_in_table(text)
    assert names[:2] == ["Aaron Invited", "Abby Gone"]
    assert names == sorted(names, key=str.lower)
    assert "Siân O'Neill" in names
    assert "Department sponsor" in text and "Programme manager" in text
    assert ">MOJ</abbr>" in text and ">DVLA</abbr>" in text
    # Status in words, not only colour.
    row = text[text.index("Priya Admin") :]
    assert row.index("Active") < row.index("</tr>")
    row = text[text.index("Abby Gone") :]
    assert row.index("Deactivated") < row.index("</tr>")
    row = text[text.index("Aaron Invited") :]
    assert row.index("Invited", 5) < row.index("</tr>")


def test_search_matches_part_of_a_name_or_email_in_any_letter_case(world, sign_in):
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Grace Mensah", email="g.mensah@dwp.gov.uk")
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Tom Gallagher", email="tom@dwp.gov.uk")
    db.session.commit()
    client = sign_in(world.admin)

    assert _names_in_table(client.get("/admin/users?q=MENS").text) == ["Grace Mensah"]
    assert _names_in_table(client.get("/admin/users?q=DWP.gov").text) == ["Grace Mensah", "Tom Gallagher"]
    response = client.get("/admin/users?q=+gallagher+")
    assert _names_in_table(response.text) == ["Tom Gallagher"]
    assert 'value="gallagher"' in response.text  # the search box keeps what was searched
    assert "1 matching user" in response.text


@pytest.mark.parametrize("term", ["%", "_", "\\", "%_%"])
def test_search_wildcards_match_only_themselves(world, sign_in, term):
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Percent 100% Person")
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Under_score Person")
    factories.make_user(Role.PARTICIPANT, world.moj, full_name="Back\\slash Person")
    db.session.commit()
    names = _names_in_table(sign_in(world.admin).get("/admin/users", query_string={"q": term}).text)
    expected = {
        "%": ["Percent 100% Person"],
        "_": ["Under_score Person"],
        "\\": ["Back\\slash Person"],
        "%_%": [],
    }[term]
    assert names == expected


def test_search_with_control_characters_does_not_fail(world, sign_in):
    response = sign_in(world.admin).get("/admin/users", query_string={"q": "Zo\x00ë\u202e"})
    assert response.status_code == 200


def test_nothing_found_says_so(world, sign_in):
    response = sign_in(world.admin).get("/admin/users?q=nobody-has-this-name")
    assert response.status_code == 200
    assert "No users match your search" in response.text
    assert "<table" not in response.text


def test_role_and_department_filters(world, sign_in):
    client = sign_in(world.admin)
    names = _names_in_table(client.get("/admin/users?role=sponsor").text)
    assert names == ["Gareth Sponsor", "Helen Sponsor"]
    names = _names_in_table(client.get(f"/admin/users?role=participant&department={world.dvla.id}").text)
    assert names == ["Zoë Ng"]
    # Values that are not in the lists (typed into the address) are ignored, not a 500.
    response = client.get("/admin/users?role=superuser&department=abc")
    assert response.status_code == 200
    assert len(_names_in_table(response.text)) == 7  # everyone in the world fixture


def _thirty_people(world):
    for n in range(30):
        factories.make_user(Role.PARTICIPANT, world.moj, full_name=f"Paged Person {n:02d}")
    db.session.commit()


def test_paging_25_a_page_with_the_rest_on_page_2(world, sign_in):
    _thirty_people(world)
    client = sign_in(world.admin)

    first = client.get("/admin/users?q=paged")
    assert _names_in_table(first.text) == [f"Paged Person {n:02d}" for n in range(25)]
    assert "30 matching users, showing 1 to 25" in first.text
    assert 'href="/admin/users?q=paged&amp;page=2"' in first.text  # the search is kept

    second = client.get("/admin/users?q=paged&page=2")
    assert second.status_code == 200
    assert _names_in_table(second.text) == [f"Paged Person {n:02d}" for n in range(25, 30)]
    assert "showing 26 to 30" in second.text


@pytest.mark.parametrize(
    ("page", "first_name"),
    [
        ("abc", "Paged Person 00"),
        ("", "Paged Person 00"),
        ("-2", "Paged Person 00"),
        ("1.5", "Paged Person 00"),
        ("99", "Paged Person 25"),
        ("9" * 40, "Paged Person 25"),
    ],
)
def test_strange_page_numbers_give_the_first_or_last_page(world, sign_in, page, first_name):
    _thirty_people(world)
    response = sign_in(world.admin).get("/admin/users", query_string={"q": "paged", "page": page})
    assert response.status_code == 200
    assert _names_in_table(response.text)[0] == first_name


def test_list_queries_do_not_grow_with_rows(world, sign_in):
    client = sign_in(world.admin)
    with count_queries(db.engine) as few:
        client.get("/admin/users")
    for n in range(20):
        factories.make_user(Role.PARTICIPANT, world.dvla if n % 2 else world.moj)
    db.session.commit()
    with count_queries(db.engine) as many:
        response = client.get("/admin/users")
    assert len(_names_in_table(response.text)) == 25
    assert few and len(many) == len(few)


# Inviting ------------------------------------------------------------------


def test_invite_form_shows_its_fields(world, sign_in):
    response = sign_in(world.admin).get("/admin/users/invite")
    assert response.status_code == 200
    assert "<title>Invite a user – Cohort</title>" in response.text
    for field in ("full_name", "email", "department", "job_title"):
        assert f'for="{field}"' in response.text
    assert "Department sponsor" in response.text
    assert "Ministry of Justice (MOJ)" in response.text


def test_invite_creates_the_account_and_emails_the_invitation(world, sign_in, caplog):
    client = sign_in(world.admin)
    with caplog.at_level(logging.INFO, logger="cohort.accounts"):
        response = _invite(client, world)

    assert response.status_code == 302
    user = _user("noor.haddad@justice.gov.uk")  # stored in lower case
    assert user is not None
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert (user.full_name, user.role, user.department_id, user.job_title) == (
        "Noor Haddad",
        Role.PARTICIPANT,
        world.moj.id,
        "Senior data scientist",
    )
    assert user.password_hash is None and user.is_active_account

    created = _events("create")
    assert len(created) == 1
    assert created[0].actor_id == world.admin.id and created[0].entity_id == user.id
    assert created[0].after["email"] == "noor.haddad@justice.gov.uk"
    assert created[0].after["role"] == "participant"
    assert len(_events("invitation")) == 1

    # The invitation went by e-mail (tests/integration/test_invitations.py follows its link).
    (sent,) = outbox("invitation", to="noor.haddad@justice.gov.uk")
    link = link_in(sent, "/set-password/")

    # The link is a live credential: never logged, never on the programme manager's page.
    logged = [r.getMessage() for r in caplog.records if r.name == "cohort.accounts"]
    assert logged and not any("/set-password/" in m or link in m for m in logged)
    assert not any("noor.haddad@justice.gov.uk" in m for m in logged)  # an id, not the address
    page = client.get(response.headers["Location"])
    assert "Noor Haddad has been invited as a participant." in page.text
    assert "emailed to noor.haddad@justice.gov.uk" in page.text
    assert "/set-password/" not in page.text
    assert "In production this link would be e-mailed" not in page.text
    assert "Invited" in page.text  # status until a password is set


def test_admins_and_facilitators_need_no_department(world, sign_in):
    client = sign_in(world.admin)
    response = _invite(client, world, role="facilitator", department="", email="coach@example.gov.uk")
    assert response.status_code == 302
    assert _user("coach@example.gov.uk").department_id is None


@pytest.mark.parametrize("role", ["participant", "sponsor"])
def test_participants_and_sponsors_need_a_department(world, sign_in, role):
    response = _invite(sign_in(world.admin), world, role=role, department="")
    assert response.status_code == 400
    assert "Select a department: participants and department sponsors must belong to one" in response.text
    assert _user("noor.haddad@justice.gov.uk") is None


def test_empty_invite_is_refused_with_messages(world, sign_in):
    before = _count(User)
    response = sign_in(world.admin).post("/admin/users/invite", data={"full_name": " ", "email": ""})
    assert response.status_code == 400
    text = response.text
    assert "<title>Error: Invite a user – Cohort</title>" in text
    assert "There is a problem" in text
    assert "Enter a full name" in text
    assert "Enter an email address" in text
    assert "Select a role" in text
    # Summary in page order, each linking to its field.
    assert text.index('href="#full_name"') < text.index('href="#email"') < text.index('href="#role"')
    assert _count(User) == before
    assert _count(AuditEvent) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": "N" * 121}, "Full name must be 120 characters or fewer"),
        ({"job_title": "J" * 121}, "Job title must be 120 characters or fewer"),
        ({"email": "a" * 250 + "@example.gov.uk"}, "Email address must be 254 characters or fewer"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format, like name@example.gov.uk"),
        ({"email": "noor@justice"}, "Enter an email address in the correct format, like name@example.gov.uk"),
        ({"email": "noor haddad@justice.gov.uk"}, "Enter an email address in the correct format"),
        ({"full_name": "Noor\u202eHaddad"}, "Full name must not contain invisible or control characters"),
        ({"full_name": "Noor\x00Haddad"}, "Full name must not contain invisible or control characters"),
        ({"full_name": "Noor\tHaddad"}, "Full name must not contain invisible or control characters"),
        ({"job_title": "Lead\u200b"}, "Job title must not contain invisible or control characters"),
        (
            {"email": "noor\x00@justice.gov.uk"},
            "Email address must not contain invisible or control characters",
        ),
        ({"role": "superuser"}, "Select a role from the list"),
        ({"role": "\x00"}, "Select a role from the list"),
        ({"department": "abc"}, "Select a department from the list"),
        ({"department": "999999"}, "Select a department from the list"),
        ({"department": "1.5"}, "Select a department from the list"),
    ],
)
def test_bad_invites_are_refused_and_nothing_is_written(world, sign_in, changes, message):
    before = _count(User)
    response = _invite(sign_in(world.admin), world, **changes)
    assert response.status_code == 400
    assert html.escape(message, quote=False) in response.text
    assert _count(User) == before
    assert _count(AuditEvent) == 0


@pytest.mark.parametrize(
    "email", ["FRAN@example.gov.uk", "Priya.Admin@Example.Gov.UK", " existing@example.gov.uk "]
)
def test_an_email_already_used_in_any_letter_case_is_refused(world, sign_in, email):
    factories.make_user(Role.PARTICIPANT, world.moj, email="fran@example.gov.uk")
    factories.make_user(Role.ADMIN, email="priya.admin@example.gov.uk")
    factories.make_user(Role.ADMIN, email="existing@example.gov.uk")
    db.session.commit()
    before = _count(User)
    response = _invite(sign_in(world.admin), world, email=email)
    assert response.status_code == 400
    assert "A user with this email address already exists" in response.text
    assert 'href="#email"' in response.text
    assert _count(User) == before


def test_script_in_a_name_is_shown_as_text(world, sign_in):
    client = sign_in(world.admin)
    response = _invite(client, world, full_name="<script>alert('x')</script>", job_title="<img src=x>")
    assert response.status_code == 302
    for page in (client.get(response.headers["Location"]), client.get("/admin/users")):
        assert "&lt;script&gt;alert(" in page.text
        assert "<script>alert(" not in page.text
        assert "<img src=x>" not in page.text


# The user's page -------------------------------------------------------------


def test_user_page_shows_details_cohorts_history_and_actions(world, sign_in):
    client = sign_in(world.admin)
    client.post(
        f"/admin/users/{world.participant.id}/edit",
        data={
            "full_name": "Siân O'Neill-Jones",
            "role": "participant",
            "department": str(world.moj.id),
            "job_title": "",
        },
    )
    response = client.get(f"/admin/users/{world.participant.id}")
    assert response.status_code == 200
    text = response.text
    assert "<title>Siân O&#39;Neill-Jones – Cohort</title>" in text
    assert world.participant.email in text
    assert "Ministry of Justice (MOJ)" in text
    assert world.cohort.name in text  # enrolments
    assert "Active" in text
    assert "Account history" in text
    assert "Priya Admin" in text  # who made the change
    assert "full name:" in text
    assert "Deactivate account" in text
    # Siân has a password: no invitation to send, she can use "Forgotten your password?".
    assert "Send a new invitation" not in text
    assert "Forgotten your password?" in text
    assert 'href="/admin/users"' in text  # back link


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/999999",
        "/admin/users/abc",
        "/admin/users/999999/edit",
        "/admin/users/" + "9" * 30,
        "/admin/users/0",
    ],
)
def test_unknown_user_is_not_found(world, sign_in, path):
    assert sign_in(world.admin).get(path).status_code == 404


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "invitation", "edit"])
def test_actions_on_unknown_users_are_not_found(world, sign_in, action):
    assert sign_in(world.admin).post(f"/admin/users/999999/{action}").status_code == 404


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "invitation"])
def test_actions_do_not_answer_get(world, sign_in, action):
    assert sign_in(world.admin).get(f"/admin/users/{world.participant.id}/{action}").status_code == 405


# Changing details ------------------------------------------------------------


def test_edit_form_is_filled_in_and_email_is_not_editable(world, sign_in):
    response = sign_in(world.admin).get(f"/admin/users/{world.sponsor.id}/edit")
    assert response.status_code == 200
    assert 'value="Helen Sponsor"' in response.text
    assert world.sponsor.email in response.text
    assert 'name="email"' not in response.text
    assert re.search(r'value="sponsor"\s+checked', response.text)
    assert re.search(rf'value="{world.moj.id}"\s+selected', response.text)


def test_edit_changes_details_and_audits_before_and_after(world, sign_in):
    client = sign_in(world.admin)
    email = world.participant.email
    response = client.post(
        f"/admin/users/{world.participant.id}/edit",
        data={
            "full_name": "Siân O'Neill",
            "role": "facilitator",
            "department": str(world.dvla.id),
            "job_title": "Coach",
            "email": "someone.else@example.gov.uk",  # not a field of this form: ignored
        },
    )
    assert response.status_code == 302
    user = db.session.get(User, world.participant.id)
    assert (user.role, user.department_id, user.job_title, user.email) == (
        Role.FACILITATOR,
        world.dvla.id,
        "Coach",
        email,
    )
    (updated,) = _events("update")
    assert updated.actor_id == world.admin.id
    assert updated.before == {"role": "participant", "department_id": world.moj.id, "job_title": None}
    assert updated.after == {"role": "facilitator", "department_id": world.dvla.id, "job_title": "Coach"}
    page = client.get(response.headers["Location"])
    assert "details have been updated" in page.text
    assert "department:</span>" in page.text and "MOJ" in page.text and "DVLA" in page.text


def test_a_role_change_signs_the_person_out(app, world, sign_in):
    theirs = app.test_client()
    factories.sign_in_as(theirs, world.participant)
    assert theirs.get("/dashboard").status_code == 200
    sign_in(world.admin).post(
        f"/admin/users/{world.participant.id}/edit",
        data={
            "full_name": "Siân O'Neill",
            "role": "sponsor",
            "department": str(world.moj.id),
            "job_title": "",
        },
    )
    assert "/sign-in" in theirs.get("/dashboard").headers["Location"]


def test_you_cannot_remove_your_own_admin_role(world, sign_in):
    response = sign_in(world.admin).post(
        f"/admin/users/{world.admin.id}/edit",
        data={
            "full_name": "Priya Admin",
            "role": "participant",
            "department": str(world.moj.id),
            "job_title": "",
        },
    )
    assert response.status_code == 400
    assert "You cannot remove your own programme manager role" in response.text
    assert 'href="#role"' in response.text
    assert db.session.get(User, world.admin.id).role == Role.ADMIN
    assert _events() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"full_name": ""}, "Enter a full name"),
        ({"full_name": "x" * 121}, "Full name must be 120 characters or fewer"),
        ({"full_name": "Helen\u202e"}, "Full name must not contain invisible or control characters"),
        ({"department": ""}, "Select a department: participants and department sponsors must belong to one"),
        ({"role": "owner"}, "Select a role from the list"),
    ],
)
def test_bad_edits_are_refused(world, sign_in, changes, message):
    data = {
        "full_name": "Helen Sponsor",
        "role": "sponsor",
        "department": str(world.moj.id),
        "job_title": "",
        **changes,
    }
    response = sign_in(world.admin).post(f"/admin/users/{world.sponsor.id}/edit", data=data)
    assert response.status_code == 400
    assert message in response.text
    assert db.session.get(User, world.sponsor.id).full_name == "Helen Sponsor"
    assert _events() == []


# Deactivating and reactivating ------------------------------------------------


def test_deactivation_ends_the_persons_sessions_and_is_audited(app, world, sign_in):
    theirs = app.test_client()
    factories.sign_in_as(theirs, world.participant)
    assert theirs.get("/dashboard").status_code == 200

    client = sign_in(world.admin)
    response = client.post(f"/admin/users/{world.participant.id}/deactivate")
    assert response.status_code == 302

    after = theirs.get("/dashboard")
    assert after.status_code == 302
    assert "/sign-in" in after.headers["Location"]
    assert db.session.get(User, world.participant.id).is_active_account is False
    (updated,) = _events("update")
    assert updated.before == {"is_active_account": True}
    assert updated.after == {"is_active_account": False}
    page = client.get(response.headers["Location"])
    assert "account has been deactivated" in page.text
    assert "Deactivated" in page.text
    assert "Reactivate account" in page.text


def test_a_deactivated_person_cannot_sign_in(app, world, sign_in):
    sign_in(world.admin).post(f"/admin/users/{world.participant.id}/deactivate")
    response = app.test_client().post(
        "/sign-in", data={"email": world.participant.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "Enter a correct email address and password" in response.text


def test_you_cannot_deactivate_yourself(world, sign_in):
    client = sign_in(world.admin)
    assert "Deactivate account" not in client.get(f"/admin/users/{world.admin.id}").text
    response = client.post(f"/admin/users/{world.admin.id}/deactivate")
    assert response.status_code == 400
    assert "You cannot deactivate your own account" in response.text
    assert "There is a problem" in response.text
    assert db.session.get(User, world.admin.id).is_active_account is True
    assert client.get("/dashboard").status_code == 200  # still signed in


def test_reactivation(world, sign_in):
    gone = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Back Again", active=False)
    db.session.commit()
    client = sign_in(world.admin)
    response = client.post(f"/admin/users/{gone.id}/reactivate")
    assert response.status_code == 302
    assert db.session.get(User, gone.id).is_active_account is True
    assert "account has been reactivated" in client.get(response.headers["Location"]).text
    assert _events("update")[0].after == {"is_active_account": True}


# New invitations (more in tests/integration/test_invitations.py) --------------------------


def test_no_invitation_for_a_deactivated_account(world, sign_in):
    gone = factories.make_user(Role.PARTICIPANT, world.moj, active=False, with_password=False)
    db.session.commit()
    response = sign_in(world.admin).post(
        f"/admin/users/{gone.id}/invitation", data={"occasion": "0123456789abcdef"}
    )
    assert response.status_code == 400
    assert "This account is deactivated. Reactivate it before sending an invitation" in response.text
    assert outbox("invitation") == []
    assert _events() == []


# Security ------------------------------------------------------------------------


def test_missing_csrf_token_is_refused_and_nothing_is_written(app, world, sign_in):
    invited = factories.make_user(Role.PARTICIPANT, world.moj, with_password=False)
    db.session.commit()
    client = sign_in(world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    before = _count(User)

    assert _invite(client, world).status_code == 400
    assert client.post(f"/admin/users/{world.participant.id}/deactivate").status_code == 400
    refused = client.post(f"/admin/users/{invited.id}/invitation", data={"occasion": "0123456789abcdef"})
    assert refused.status_code == 400
    assert outbox() == []
    edit = client.post(
        f"/admin/users/{world.participant.id}/edit",
        data={"full_name": "Changed", "role": "admin", "department": "", "job_title": ""},
    )
    assert edit.status_code == 400
    assert "Your form could not be sent" in edit.text

    assert _count(User) == before
    participant = db.session.get(User, world.participant.id)
    assert participant.is_active_account and participant.role == Role.PARTICIPANT
    assert _count(AuditEvent) == 0


def test_forms_carry_a_csrf_token(app, world, sign_in):
    app.config["WTF_CSRF_ENABLED"] = True
    client = sign_in(world.admin)
    page = client.get("/admin/users/invite").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = _invite(client, world, csrf_token=token)
    assert response.status_code == 302
    user_page = client.get(response.headers["Location"]).text
    assert user_page.count('name="csrf_token"') >= 2  # the action buttons' forms


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_other_roles_cannot_invite_or_deactivate(world, sign_in, role):
    client = sign_in(world.by_role(role))
    assert _invite(client, world).status_code == 403
    assert client.post(f"/admin/users/{world.other_participant.id}/deactivate").status_code == 403
    assert _user("noor.haddad@justice.gov.uk") is None
    assert db.session.get(User, world.other_participant.id).is_active_account
