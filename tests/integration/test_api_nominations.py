"""Bulk nominations as JSON (docs/api.md, Bulk nominations): the spreadsheet import's checks,
row-numbered problems, all or nothing, dry_run; and the same people by page and by API give the
same answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import Enrolment, User


def _headers(world) -> dict:
    secret = api_tokens.create(
        world.admin, "Imports", ["enrolments:write"], datetime.now(UTC).date() + timedelta(days=9)
    ).secret
    return {"Authorization": f"Bearer {secret}"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


GOOD = [
    {"email": "ana.one@example.gov.uk", "full_name": "Ana One", "department": "MOJ"},
    {"email": "ben.two@example.gov.uk", "full_name": "Ben Two", "department": "DVLA", "grade": "SEO"},
]


def test_dry_run_previews_and_writes_nothing_then_the_import_enrols_everyone(world, client):
    url = f"/api/v1/cohorts/{world.other_cohort.slug}/nominations"
    before = _count(Enrolment), _count(User)
    preview = client.post(url + "?dry_run=true", json={"rows": GOOD}, headers=_headers(world))
    assert preview.status_code == 200, preview.text
    assert preview.json["dry_run"] is True and preview.json["imported"] is False
    assert [r["row"] for r in preview.json["rows"]] == [2, 3]
    assert {r["status"] for r in preview.json["rows"]} == {"new"}
    assert (_count(Enrolment), _count(User)) == before
    done = client.post(url, json={"rows": GOOD}, headers=_headers(world))
    assert done.status_code == 200 and done.json["imported"] is True
    assert "2 people enrolled" in done.json["summary"]
    assert _count(Enrolment) == before[0] + 2


def test_bad_rows_are_numbered_as_in_the_spreadsheet_and_nothing_is_written(world, client):
    url = f"/api/v1/cohorts/{world.other_cohort.slug}/nominations"
    rows = [
        GOOD[0],
        {"email": "not-an-address", "full_name": "X", "department": "MOJ"},
        {"email": "c@example.gov.uk", "full_name": "C", "department": "Nowhere"},
        {"email": world.facilitator.email, "full_name": "F", "department": "MOJ"},
    ]
    before = _count(Enrolment), _count(User)
    response = client.post(url, json={"rows": rows}, headers=_headers(world))
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    problems = response.json["errors"]["rows"]
    assert [p.split(":")[0] for p in problems] == ["Row 3", "Row 4", "Row 5"]
    assert (_count(Enrolment), _count(User)) == before
    assert client.post(url, json={"rows": []}, headers=_headers(world)).status_code == 422
    assert (
        client.post(url, json={"rows": [{"full_name": "No email"}]}, headers=_headers(world)).status_code
        == 422
    )


def test_the_same_people_by_page_and_by_api_give_the_same_problems(world, client, sign_in):
    from cohort.api.nominations import as_csv
    from cohort.nominations.importer import build_preview

    rows = [GOOD[0], {"email": "bad", "full_name": "", "department": "MOJ"}]
    api = client.post(
        f"/api/v1/cohorts/{world.other_cohort.slug}/nominations?dry_run=true",
        json={"rows": rows},
        headers=_headers(world),
    ).json
    page = build_preview(world.other_cohort, "nominations.csv", as_csv(rows))  # what the upload page checks
    db.session.rollback()
    assert api["problems"] == page.problem_lines()
    assert [r["status"] for r in api["rows"]] == [r.status.value for r in page.preview.rows]
