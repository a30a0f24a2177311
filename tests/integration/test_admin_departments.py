"""Departments: list, add, change, other names (aliases), and what the programme manager sees."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from cohort.admin import service as department_service
from cohort.extensions import db
from cohort.models import AuditEvent, Department, DepartmentAlias, Role
from tests import factories


def _departments() -> dict[str, Department]:
    return {d.code: d for d in db.session.scalars(select(Department))}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post_new(client, code="HO", name="Home Office", aliases=""):
    return client.post("/admin/departments/new", data={"code": code, "name": name, "aliases": aliases})


# The list ------------------------------------------------------------------


def test_list_shows_departments_by_name_with_other_names_and_user_counts(world, sign_in):
    factories.make_department("WG", "Welsh Government", aliases=["Llywodraeth Cymru"])
    factories.make_user(Role.PARTICIPANT, world.dvla)
    db.session.commit()
    client = sign_in(world.admin)

    response = client.get("/admin/departments")

    assert response.status_code == 200
    text = response.text
    assert "<title>Departments – Cohort</title>" in text
    # By name: Driver… before Ministry… before Welsh…
    assert text.index("Driver and Vehicle Licensing Agency") < text.index("Ministry of Justice")
    assert text.index("Ministry of Justice") < text.index("Welsh Government")
    assert "Llywodraeth Cymru" in text
    assert "MoJ" in text
    # DVLA: the world's other participant and sponsor, and the one made here.
    assert '3<span class="govuk-visually-hidden"> users in Driver and Vehicle Licensing Agency' in text
    assert f'href="/admin/departments/{world.moj.id}/edit"' in text


# Adding ----------------------------------------------------------------------


def test_add_department_saves_it_with_tidied_aliases_and_audits_it(world, sign_in):
    client = sign_in(world.admin)

    response = _post_new(
        client, code="HO", name="Home  Office", aliases="Home Office (HO)\r\n\r\n  HomeOff  \r\nhomeoff\r\n"
    )

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/departments")
    department = _departments()["HO"]
    assert department.name == "Home Office"  # inner spaces collapsed
    # Blank lines dropped, the repeat in another letter case collapsed.
    assert sorted(a.alias for a in department.aliases) == ["Home Office (HO)", "HomeOff"]
    assert sorted(a.alias_key for a in department.aliases) == ["home office (ho)", "homeoff"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "Department")).one()
    assert event.action == "create"
    assert event.actor_id == world.admin.id
    assert event.entity_id == department.id
    assert event.before is None
    assert event.after == {"code": "HO", "name": "Home Office", "aliases": ["Home Office (HO)", "HomeOff"]}

    page = client.get(response.headers["Location"])
    assert "Department Home Office (HO) added." in page.text
    assert "HomeOff" in page.text


def test_add_form_shows_its_fields(world, sign_in):
    response = sign_in(world.admin).get("/admin/departments/new")
    assert response.status_code == 200
    assert "<title>Add a department – Cohort</title>" in response.text
    for label in ('for="code"', 'for="name"', 'for="aliases"'):
        assert label in response.text
    assert 'href="/admin/departments"' in response.text  # back link


def test_empty_fields_are_refused_with_messages(world, sign_in):
    before = _count(Department)
    response = _post_new(sign_in(world.admin), code="  ", name="")
    assert response.status_code == 400
    assert "<title>Error: Add a department – Cohort</title>" in response.text
    assert "There is a problem" in response.text
    assert "Enter the department’s code" in response.text
    assert "Enter the department’s name" in response.text
    assert 'href="#code"' in response.text  # the error summary links to the field
    assert _count(Department) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "X" * 21}, "Code must be 20 characters or fewer"),
        ({"name": "N" * 121}, "Name must be 120 characters or fewer"),
        ({"aliases": "short\n" + "A" * 121}, "Each other name must be 120 characters or fewer"),
        ({"aliases": "\n".join(f"Name {n}" for n in range(51))}, "Enter 50 other names or fewer"),
        ({"code": "HO OFFICE"}, "Code must use only letters, numbers and hyphens"),
        ({"code": "HO;DROP"}, "Code must use only letters, numbers and hyphens"),
        ({"code": "H\u202eO"}, "Code must use only letters, numbers and hyphens"),
        ({"name": "Home\u202e Office"}, "Name must not contain invisible or control characters"),
        ({"name": "Home\x00Office"}, "Name must not contain invisible or control characters"),
        ({"name": "Home\u200bOffice"}, "Name must not contain invisible or control characters"),
        ({"aliases": "HO\x00"}, "Other names must not contain invisible or control characters"),
        ({"aliases": "fine\nH\u202eO"}, "Other names must not contain invisible or control characters"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(world, sign_in, data, message):
    before = _count(Department)
    fields = {"code": "HO", "name": "Home Office", "aliases": "", **data}
    response = sign_in(world.admin).post("/admin/departments/new", data=fields)
    assert response.status_code == 400
    assert html.escape(message, quote=False) in response.text
    assert _count(Department) == before
    assert _count(AuditEvent) == 0


def test_script_in_a_name_is_shown_as_text(world, sign_in):
    client = sign_in(world.admin)
    response = _post_new(client, code="XSS", name="<script>alert(1)</script>", aliases="<b>bold</b>")
    assert response.status_code == 302
    page = client.get("/admin/departments")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    assert "<b>bold</b>" not in page.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Another department's code, name or alias, in any letter case, in any field.
        ({"aliases": "moj"}, "Other name “moj” is already used by Ministry of Justice (MOJ) as its code"),
        (
            {"aliases": "Fine\nmOj"},
            "Other name “mOj” is already used by Ministry of Justice (MOJ) as its code",
        ),
        (
            {"aliases": "MINISTRY OF JUSTICE"},
            "Other name “MINISTRY OF JUSTICE” is already used by Ministry of Justice (MOJ) as its name",
        ),
        (
            {"code": "dvla"},
            "Code “dvla” is already used by Driver and Vehicle Licensing Agency (DVLA) as its code",
        ),
        ({"name": "mOJ"}, "Name “mOJ” is already used by Ministry of Justice (MOJ) as its code"),
    ],
)
def test_a_name_another_department_answers_to_is_refused(world, sign_in, data, message):
    fields = {"code": "HO", "name": "Home Office", "aliases": "", **data}
    response = sign_in(world.admin).post("/admin/departments/new", data=fields)
    assert response.status_code == 400
    assert message in response.text
    assert "HO" not in _departments()


def test_an_alias_matching_another_departments_alias_is_refused(world, sign_in):
    factories.make_department("MOD", "Ministry of Defence", aliases=["Defence Ministry"])
    db.session.commit()
    response = sign_in(world.admin).post(
        f"/admin/departments/{world.dvla.id}/edit",
        data={"code": "DVLA", "name": "Driver and Vehicle Licensing Agency", "aliases": "defence ministry"},
    )
    assert response.status_code == 400
    assert "Other name “defence ministry” is already used by Ministry of Defence (MOD) as its other name" in (
        response.text
    )
    assert _departments()["DVLA"].alias_names == []


def test_a_race_lost_to_another_request_is_reported_not_a_500(world, sign_in, monkeypatch):
    """Both requests passed the check; the database refuses the second one's code."""
    real = department_service.find_clash
    calls = []

    def passes_first_time(details, department):
        calls.append(details.code)
        return None if len(calls) == 1 else real(details, department)

    monkeypatch.setattr(department_service, "find_clash", passes_first_time)
    response = _post_new(sign_in(world.admin), code="MOJ", name="Another Justice Department")
    assert response.status_code == 400
    assert calls == ["MOJ", "MOJ"]  # checked again after the database refused it
    assert "Code “MOJ” is already used by Ministry of Justice (MOJ) as its code" in response.text
    assert _count(Department) == 2
    assert _count(AuditEvent) == 0


# Changing ----------------------------------------------------------------------


def test_edit_form_is_filled_in(world, sign_in):
    response = sign_in(world.admin).get(f"/admin/departments/{world.moj.id}/edit")
    assert response.status_code == 200
    assert "<title>Change Ministry of Justice – Cohort</title>" in response.text
    assert 'value="MOJ"' in response.text
    assert ">MoJ</textarea>" in response.text


def test_edit_department_changes_names_and_audits_before_and_after(world, sign_in):
    client = sign_in(world.admin)
    response = client.post(
        f"/admin/departments/{world.moj.id}/edit",
        data={"code": "MoJ", "name": "Ministry of Justice", "aliases": "MOJ\nJustice Ministry"},
    )
    assert response.status_code == 302
    department = _departments()["MoJ"]
    # The alias "MoJ" now spelt "MOJ" keeps its row (same key); a new one is added.
    assert sorted(department.alias_names) == ["Justice Ministry", "MOJ"]
    assert _count(DepartmentAlias) == 2
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.entity_type == "Department"
    assert event.before == {"code": "MOJ", "aliases": ["MoJ"]}
    assert event.after == {"code": "MoJ", "aliases": ["Justice Ministry", "MOJ"]}
    assert "Department Ministry of Justice (MoJ) updated." in client.get("/admin/departments").text


def test_removing_every_alias_is_allowed(world, sign_in):
    response = sign_in(world.admin).post(
        f"/admin/departments/{world.moj.id}/edit",
        data={"code": "MOJ", "name": "Ministry of Justice", "aliases": ""},
    )
    assert response.status_code == 302
    assert _departments()["MOJ"].alias_names == []
    assert _count(DepartmentAlias) == 0


def test_saving_without_changes_records_no_event(world, sign_in):
    response = sign_in(world.admin).post(
        f"/admin/departments/{world.moj.id}/edit",
        data={"code": "MOJ", "name": "Ministry of Justice", "aliases": "MoJ"},
    )
    assert response.status_code == 302
    assert _count(AuditEvent) == 0


def test_edit_to_another_departments_code_is_refused(world, sign_in):
    response = sign_in(world.admin).post(
        f"/admin/departments/{world.dvla.id}/edit",
        data={"code": "DVLA", "name": "Driver and Vehicle Licensing Agency", "aliases": "MoJ"},
    )
    assert response.status_code == 400
    assert "Other name “MoJ” is already used by Ministry of Justice (MOJ) as its code" in response.text
    assert _departments()["DVLA"].alias_names == []


@pytest.mark.parametrize(
    "path",
    ["/admin/departments/999999/edit", "/admin/departments/abc/edit", f"/admin/departments/{2**63}/edit"],
)
def test_unknown_department_is_not_found(world, sign_in, path):
    client = sign_in(world.admin)
    assert client.get(path).status_code == 404
    assert client.post(path, data={"code": "X", "name": "Y"}).status_code == 404


def test_missing_csrf_token_is_refused_and_nothing_is_written(app, world, sign_in):
    client = sign_in(world.admin)
    app.config["WTF_CSRF_ENABLED"] = True
    before = _count(Department)

    response = _post_new(client)
    assert response.status_code == 400
    assert "Your form could not be sent" in response.text

    response = client.post(
        f"/admin/departments/{world.moj.id}/edit",
        data={"code": "CHANGED", "name": "Changed", "aliases": ""},
    )
    assert response.status_code == 400
    assert _count(Department) == before
    assert "MOJ" in _departments()
    assert _count(AuditEvent) == 0


def test_other_roles_cannot_add_departments(world, sign_in):
    response = sign_in(world.sponsor).post(
        "/admin/departments/new", data={"code": "HO", "name": "Home Office"}
    )
    assert response.status_code == 403
    assert "HO" not in _departments()
