"""The API's department outcome figures (docs/api.md, Reports): the same figures as the report's
page and XLSX for a demo-like department (a finished pilot and a running cohort, a project), one
cohort at a time, who may see which department, bad input, and constant queries."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.reports import summary
from tests import factories
from tests.integration.test_department_report import _rows, pilot  # noqa: F401  (the demo-like world)
from tests.querycount import count_queries


def _headers(user) -> dict:
    scopes = list(api_tokens.scopes_for(user.role))
    secret = api_tokens.create(user, "reports", scopes, datetime.now(UTC).date() + timedelta(days=30)).secret
    return {"Authorization": f"Bearer {secret}"}


def _same(api_rows: list[dict], xlsx_rows: list[dict]) -> None:
    assert len(api_rows) == len(xlsx_rows)
    for got, want in zip(api_rows, xlsx_rows, strict=True):
        assert set(got) == set(want)
        for key, value in want.items():
            if value is None:  # an empty cell: the table's blank ("") or no figure (null)
                assert got[key] in ("", None), key
            elif isinstance(value, float):
                assert got[key] == pytest.approx(value), key
            else:
                assert got[key] == value, key


@pytest.mark.parametrize("query", ["", "?cohort=ai-accelerator-pilot"])
def test_the_figures_are_the_xlsx_figures(client, world, sign_in, pilot, query):  # noqa: F811
    query = query.replace("ai-accelerator-pilot", pilot.slug)
    api = client.get(f"/api/v1/departments/MOJ/outcomes{query}", headers=_headers(world.admin))
    assert api.status_code == 200, api.text
    figures = api.json
    book = load_workbook(io.BytesIO(sign_in(world.admin).get(f"/departments/MOJ/report.xlsx{query}").data))
    _same(figures["cohorts"], _rows(book["Summary"]))
    _same(figures["skills_uplift"], _rows(book["Skills uplift"]))
    _same(figures["projects"], _rows(book["Projects"]))
    assert figures["department"] == {"code": "MOJ", "name": "Ministry of Justice"}
    assert figures["cohort"] == (pilot.slug if query else None)
    last = _rows(book["Summary"])[-1]
    assert figures["summary"]["Nominated"] == last["Nominated"]
    assert figures["summary"]["Completion rate"] == pytest.approx(last["Completion rate"])
    assert figures["ethics"]["Ethics strand completed"] == pytest.approx(2 / 3)


def test_the_headline_figures_are_the_pages(client, world, sign_in, pilot):  # noqa: F811
    figures = client.get("/api/v1/departments/MOJ/outcomes", headers=_headers(world.admin)).json
    page = sign_in(world.admin).get("/departments/MOJ/report").get_data(as_text=True)
    assert figures["summary"]["Nominated"] == 4 and ">4<" in page.replace(" ", "").replace("\n", "")
    assert [r["Cohort"] for r in figures["cohorts"]] == [pilot.name, world.cohort.name, "All cohorts"]
    for row in figures["cohorts"][:-1]:
        assert row["Cohort"] in page


def test_a_sponsor_reaches_their_own_department_only(client, world, pilot):  # noqa: F811
    mine = client.get("/api/v1/departments/moj/outcomes", headers=_headers(world.sponsor))
    assert mine.status_code == 200 and mine.json["department"]["code"] == "MOJ"
    theirs = client.get("/api/v1/departments/DVLA/outcomes", headers=_headers(world.sponsor))
    assert theirs.status_code == 404 and theirs.mimetype == "application/problem+json"
    assert "Driver" not in theirs.text
    admin = client.get("/api/v1/departments/DVLA/outcomes", headers=_headers(world.admin))
    assert admin.status_code == 200 and admin.json["department"]["code"] == "DVLA"


def test_a_facilitator_holds_no_reports_scope(world):
    assert "reports:read" not in api_tokens.scopes_for(world.facilitator.role)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/departments/NOPE/outcomes",
        "/api/v1/departments/a%00b/outcomes",
        "/api/v1/departments/" + "X" * 300 + "/outcomes",
        "/api/v1/departments/MOJ/outcomes?cohort=no-such-cohort",
        "/api/v1/departments/MOJ/outcomes?cohort=a%00b",
    ],
)
def test_unknown_or_hostile_input_is_a_problem_never_a_500(client, world, pilot, path):  # noqa: F811
    answer = client.get(path, headers=_headers(world.admin))
    assert answer.status_code in (404, 422), answer.text
    assert answer.mimetype == "application/problem+json"


def test_a_cohort_without_the_departments_people_is_not_found(client, world, pilot):  # noqa: F811
    lone = factories.make_cohort("Elsewhere")
    db.session.commit()
    answer = client.get(f"/api/v1/departments/MOJ/outcomes?cohort={lone.slug}", headers=_headers(world.admin))
    assert answer.status_code == 404


def test_queries_do_not_grow_with_the_number_of_people(client, world, pilot):  # noqa: F811
    headers = _headers(world.admin)

    def count() -> int:
        summary.forget()  # worked out afresh each time: kept figures need fewer (docs/architecture.md §10.1)
        with count_queries(db.engine) as counted:
            assert client.get("/api/v1/departments/MOJ/outcomes", headers=headers).status_code == 200
        return len(counted)

    count()
    before = count()
    for _ in range(10):
        factories.enrol(pilot, factories.make_user(department=world.moj))
    db.session.commit()
    assert count() == before
