"""Page titles say which page this is (docs/architecture.md §9): a list's filters and page number,
which session or entry a form changes, whose profile. Browser tabs, history and screen readers
announce the title first, so two different pages must never share one."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Enrolment
from tests import factories as f
from tests.sessions import make_session


def _title(response) -> str:
    assert response.status_code == 200, response.status_code
    found = re.search(r"<title>(.*?)</title>", response.text, re.S)
    assert found
    return " ".join(found.group(1).split())


def test_a_list_of_users_names_its_filters_and_page(app, world, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "USERS_PER_PAGE", 1)
    client = sign_in(world.admin)
    assert _title(client.get("/admin/users?page=1")).startswith("Users – page 1 of ")
    assert _title(client.get("/admin/users?role=facilitator&page=2")) == (
        "Users – Role: Facilitator – page 2 of 2 – Cohort"
    )
    # A search is quoted, and its text escaped.
    assert _title(client.get("/admin/users?q=%3Cb%3Efran")) == "Users – Search: “&lt;b&gt;fran” – Cohort"
    # One page needs no page number.
    monkeypatch.setitem(app.config, "USERS_PER_PAGE", 50)
    assert _title(client.get("/admin/users")) == "Users – Cohort"


def test_participants_and_audit_lists_name_their_filters(world, sign_in):
    client = sign_in(world.admin)
    moj = world.moj.id
    assert _title(client.get(f"/participants/?department={moj}&status=withdrawn&sort=department")) == (
        "Participants – Ministry of Justice (MOJ) – Withdrawn – sorted by department – Cohort"
    )
    assert (
        _title(client.get("/admin/audit?date_from=1/9/2026")) == "Audit log – From 1 September 2026 – Cohort"
    )
    # A bad filter is an error, and the title says only that.
    assert _title_of_error(client.get("/admin/audit?date_from=31/2/2026")) == "Error: Audit log – Cohort"


def _title_of_error(response) -> str:
    assert response.status_code == 400
    return " ".join(re.search(r"<title>(.*?)</title>", response.text, re.S).group(1).split())


def test_forms_say_what_they_change(world, sign_in):
    first = make_session(world.cohort, title="Serving models")
    second = make_session(world.cohort, title="Feature stores")
    mine = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.participant.id))
    entry = f.make_log_entry(mine, "Read about feature stores", on=date(2026, 9, 10))
    db.session.commit()

    admin = sign_in(world.admin)
    slug = world.cohort.slug
    titles = {_title(admin.get(f"/cohorts/{slug}/sessions/{s.id}/edit")) for s in (first, second)}
    assert titles == {
        f"Change a session: Serving models – {world.cohort.name} – Cohort",
        f"Change a session: Feature stores – {world.cohort.name} – Cohort",
    }
    assert (
        _title(admin.get(f"/participants/{world.participant.id}"))
        == "Participant – Siân O&#39;Neill – Cohort"
    )

    participant = sign_in(world.participant)
    assert _title(participant.get(f"/my-learning-log/{entry.id}/edit")) == (
        "Change a learning log entry: 10 September 2026, Read about feature stores – Cohort"
    )


def test_a_department_report_names_its_cohort(world, sign_in):
    client = sign_in(world.admin)
    assert _title(client.get("/departments/MOJ/report")).startswith(
        "Outcome report – Ministry of Justice – All "
    )
    assert _title(client.get(f"/departments/MOJ/report?cohort={world.cohort.slug}")) == (
        f"Outcome report – Ministry of Justice – {world.cohort.name} – Cohort"
    )


# --- search and help ---
def test_every_paged_list_titles_its_page_and_filters():
    """Each template that draws page links names its page and filters in its title, through
    list_title (macros/titles.html). A new paged list without it fails here."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "cohort"
    paged = [p for p in root.rglob("*.html") if "govukPagination(" in p.read_text()]
    assert len(paged) >= 6
    untitled = [str(p.relative_to(root)) for p in paged if "list_title(" not in p.read_text()]
    assert untitled == []


def test_the_outbox_names_its_filters_and_page(world, sign_in, monkeypatch):
    from cohort.messages import routes as message_routes
    from tests.mail import outbox_message_id

    outbox_message_id(world)
    client = sign_in(world.admin)
    # One message: no page number.
    assert (
        _title(client.get("/admin/outbox?kind=invitation"))
        == "Outbox – Message: Invitation to set a password – Cohort"
    )
    from cohort.messages.outbox import queue_message

    queue_message(
        "invitation",
        world.participant,
        about=f"user:{world.participant.id}",
        context={"link": "x", "hours": "72"},
    )
    db.session.commit()
    monkeypatch.setattr(message_routes, "MESSAGES_PER_PAGE", 1)
    assert _title(client.get("/admin/outbox?page=2")) == "Outbox – page 2 of 2 – Cohort"


def test_the_nominations_preview_names_its_filter_and_page(world, sign_in):
    from tests.integration.test_nominations_import import _many_rows, csv_bytes, upload

    client = sign_in(world.admin)
    upload(client, world.cohort.slug, csv_bytes(_many_rows(250, bad_every=50)))
    base = f"Error: Check the nominations for {world.cohort.name}"  # some rows are broken
    preview = f"/cohorts/{world.cohort.slug}/import/preview"
    assert _title(client.get(f"{preview}?page=3")) == f"{base} – page 3 of 3 – Cohort"
    assert _title(client.get(f"{preview}?status=error")) == f"{base} – Errors – Cohort"


def test_the_sponsor_dashboard_names_its_filters_and_page(app, world, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "USERS_PER_PAGE", 1)
    f.enrol(world.other_cohort, f.make_user(full_name="Moj Two", department=world.moj))
    db.session.commit()
    client = sign_in(world.sponsor)
    assert _title(client.get("/dashboard?page=2")) == "Dashboard – page 2 of 2 – Cohort"
    assert _title(client.get(f"/dashboard?cohort={world.cohort.slug}&status=active")) == (
        f"Dashboard – {world.cohort.name} – Active – Cohort"
    )


def test_search_and_help_titles_say_what_they_show(world, sign_in):
    client = sign_in(world.admin)
    assert _title(client.get("/search")) == "Search – Cohort"
    assert _title(client.get("/search?q=ng")) == "Search – Results for: “ng” – Cohort"
    assert _title_of_error(client.get("/search?q=")) == "Error: Search – Cohort"
    titles = {
        _title(client.get(f"/help/{page}"))
        for page in ("programme-managers", "facilitators", "participants", "sponsors")
    }
    assert len(titles) == 4


# --- end search and help ---
