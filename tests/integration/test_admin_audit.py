"""The audit log page: newest first, filters, paging, and changes shown as text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from cohort.extensions import db
from cohort.models import AuditEvent, Role, User
from tests import factories
from tests.querycount import count_queries

BASE = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)


def _event(
    summary: str,
    *,
    actor: User | None = None,
    action: str = "update",
    entity_type: str = "User",
    entity_id: int | None = 1,
    at: datetime = BASE,
    before=None,
    after=None,
) -> AuditEvent:
    item = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        summary=summary,
        before=before,
        after=after,
        at=at,
    )
    db.session.add(item)
    return item


def _summaries(text: str) -> list[str]:
    """The summaries of the rows shown, in order (each carries the marker 'Event ')."""
    return re.findall(r"(Event [\w-]+)", text)


@pytest.fixture
def events(world):
    """A small history: two people and the system, over three days."""
    _event("Event system-seed", action="create", entity_type="Department", entity_id=world.moj.id, at=BASE)
    _event(
        "Event admin-rename",
        actor=world.admin,
        entity_id=world.participant.id,
        at=BASE + timedelta(days=1),
        before={"full_name": "Sian ONeill", "role": "participant"},
        after={"full_name": "Siân O'Neill", "role": "participant"},
    )
    _event(
        "Event facilitator-cohort",
        actor=world.facilitator,
        action="create",
        entity_type="Cohort",
        entity_id=world.cohort.id,
        at=BASE + timedelta(days=2),
        after={"capacity": 25, "require_hackathon": True, "facilitator_ids": [1, 2]},
    )
    db.session.commit()


def test_newest_first_with_who_what_and_changes(world, events, sign_in):
    response = sign_in(world.admin).get("/admin/audit")
    assert response.status_code == 200
    text = response.text
    assert "<title>Audit log – Cohort</title>" in text
    assert _summaries(text) == ["Event facilitator-cohort", "Event admin-rename", "Event system-seed"]
    assert "3 events, newest first" in text
    # When, in London time (7 September 2026 is in British Summer Time).
    assert "8 September 2026 at 10:00am" in text
    # Who: a name, or System for changes made without a person.
    assert "Fran Facilitator" in text and "Priya Admin" in text
    seed_row = text[text.rindex("<tr", 0, text.index("Event system-seed")) :]
    assert "System" in seed_row[: seed_row.index("</tr>")]
    # What: the record, linked where it has a page.
    assert f'href="/admin/users/{world.participant.id}">User {world.participant.id}</a>' in text
    assert f"Cohort {world.cohort.id}" in text
    # Changes: only what changed, as text, before → after.
    rename_row = text[text.index("Event admin-rename") :]
    rename_row = rename_row[: rename_row.index("</tr>")]
    assert "full name:" in rename_row
    assert "Sian ONeill" in rename_row and "Siân O&#39;Neill" in rename_row
    assert "→" in rename_row and "changed to" in rename_row
    assert "role:" not in rename_row
    assert "capacity:</span>\n          25" in text or re.search(r"capacity:</span>\s+25", text)
    assert re.search(r"require hackathon:</span>\s+yes", text)
    assert re.search(r"facilitator ids:</span>\s+1, 2", text)


def test_values_in_changes_are_escaped(world, sign_in):
    _event(
        "Event xss",
        actor=world.admin,
        before={"full_name": "<script>alert(1)</script>"},
        after={"full_name": {"nested": "<b>x</b>"}},
    )
    db.session.commit()
    text = sign_in(world.admin).get("/admin/audit").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<script>alert(1)" not in text
    assert "<b>x</b>" not in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text


def test_real_changes_appear_in_the_log(world, sign_in):
    client = sign_in(world.admin)
    client.post(
        "/admin/departments/new", data={"code": "HO", "name": "Home Office", "aliases": "Home Office (HO)"}
    )
    client.post(f"/admin/users/{world.participant.id}/deactivate")
    text = client.get("/admin/audit").text
    assert "Added department Home Office (HO)" in text
    assert re.search(r"aliases:</span>\s+Home Office \(HO\)", text)
    assert "Deactivated Siân O&#39;Neill" in text
    assert re.search(r"active:</span>\s+yes <span aria-hidden=\"true\">→</span>", text)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"entity_type": "Cohort"}, ["Event facilitator-cohort"]),
        ({"entity_type": "User"}, ["Event admin-rename"]),
        ({"action": "create"}, ["Event facilitator-cohort", "Event system-seed"]),
        ({"actor": "system"}, ["Event system-seed"]),
        ({"q": "RENAME"}, ["Event admin-rename"]),
        ({"q": "%"}, []),  # a wildcard matches only itself
        ({"q": "_"}, []),
        ({"date_from": "2026-09-08"}, ["Event facilitator-cohort", "Event admin-rename"]),
        ({"date_to": "8/9/2026"}, ["Event admin-rename", "Event system-seed"]),
        ({"date_from": "8 9 2026", "date_to": "08.09.2026"}, ["Event admin-rename"]),
        ({"entity_type": "Cohort", "action": "update"}, []),
        # Values not in the lists (typed into the address) are ignored.
        (
            {"actor": "abc", "entity_type": "Nothing", "action": "x"},
            ["Event facilitator-cohort", "Event admin-rename", "Event system-seed"],
        ),
    ],
)
def test_filters(world, events, sign_in, query, expected):
    response = sign_in(world.admin).get("/admin/audit", query_string=query)
    assert response.status_code == 200
    assert _summaries(response.text) == expected
    if not expected:
        assert "No events match these filters" in response.text


def test_actor_filter_lists_the_people_who_appear(world, events, sign_in):
    client = sign_in(world.admin)
    text = client.get("/admin/audit").text
    actor_select = text[text.index('id="actor"') : text.index("</select>", text.index('id="actor"'))]
    assert "System" in actor_select and "Priya Admin" in actor_select and "Fran Facilitator" in actor_select
    assert "Helen Sponsor" not in actor_select  # has done nothing
    response = client.get("/admin/audit", query_string={"actor": str(world.facilitator.id)})
    assert _summaries(response.text) == ["Event facilitator-cohort"]


def test_dates_are_days_in_london(world, sign_in):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    _event("Event late-night", at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    db.session.commit()
    client = sign_in(world.admin)
    assert _summaries(client.get("/admin/audit?date_from=2026-07-01").text) == ["Event late-night"]
    assert _summaries(client.get("/admin/audit?date_to=2026-06-30").text) == []
    assert "1 July 2026 at 12:30am" in client.get("/admin/audit").text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "31/2/2026"}, "Date from must be a real date, like 27/3/2026"),
        ({"date_from": "yesterday"}, "Date from must be a real date, like 27/3/2026"),
        ({"date_to": "2026-13-01"}, "Date to must be a real date, like 27/3/2026"),
        ({"date_from": "99999-01-01"}, "Date from must be a real date, like 27/3/2026"),
        ({"date_to": "9999-12-31"}, "Date to must be a real date, like 27/3/2026"),
        ({"date_from": "0001-01-01"}, "Date from must be a real date, like 27/3/2026"),
        ({"date_from": "2026-0９-01"}, "Date from must be a real date, like 27/3/2026"),
        (
            {"date_from": "2026-09-09", "date_to": "2026-09-08"},
            "Date to must be the same as or after date from",
        ),
    ],
)
def test_bad_dates_get_a_message_not_a_500(world, events, sign_in, query, message):
    response = sign_in(world.admin).get("/admin/audit", query_string=query)
    assert response.status_code == 400
    assert "<title>Error: Audit log – Cohort</title>" in response.text
    assert "There is a problem" in response.text
    assert message in response.text
    assert _summaries(response.text) == []
    assert "Correct the dates to see the audit log" in response.text


def test_search_with_control_characters_does_not_fail(world, events, sign_in):
    response = sign_in(world.admin).get("/admin/audit", query_string={"q": "rename\x00\u202e"})
    assert response.status_code == 200


def test_paging_50_a_page(world, sign_in):
    for n in range(60):
        _event(f"Event n{n:02d}", actor=world.admin, at=BASE + timedelta(minutes=n))
    db.session.commit()
    client = sign_in(world.admin)

    first = client.get("/admin/audit?actor=" + str(world.admin.id))
    assert _summaries(first.text) == [f"Event n{n:02d}" for n in range(59, 9, -1)]
    assert "60 matching events, newest first, showing 1 to 50" in first.text
    assert f'href="/admin/audit?actor={world.admin.id}&amp;page=2"' in first.text  # filters kept

    second = client.get(f"/admin/audit?actor={world.admin.id}&page=2")
    assert _summaries(second.text) == [f"Event n{n:02d}" for n in range(9, -1, -1)]

    for page in ("abc", "0", "-1", "1e3"):
        response = client.get(f"/admin/audit?page={page}")
        assert response.status_code == 200
        assert _summaries(response.text)[0] == "Event n59"
    assert _summaries(client.get("/admin/audit?page=500").text)[-1] == "Event n00"


def test_queries_do_not_grow_with_rows(world, sign_in):
    _event("Event one", actor=world.admin)
    db.session.commit()
    client = sign_in(world.admin)
    with count_queries(db.engine) as few:
        client.get("/admin/audit")
    people = [factories.make_user(Role.PARTICIPANT, world.moj) for _ in range(10)]
    for n in range(40):
        _event(f"Event many-{n}", actor=people[n % 10], before={"department_id": world.moj.id}, after={})
    db.session.commit()
    with count_queries(db.engine) as many:
        response = client.get("/admin/audit")
    assert len(_summaries(response.text)) == 41
    assert few and len(many) == len(few)


def test_empty_log(world, sign_in):
    response = sign_in(world.admin).get("/admin/audit")
    assert response.status_code == 200
    assert "Nothing has been recorded yet." in response.text


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_only_programme_managers_read_the_log(world, events, sign_in, role):
    response = sign_in(world.by_role(role)).get("/admin/audit")
    assert response.status_code == 403
    assert "Event admin-rename" not in response.text
