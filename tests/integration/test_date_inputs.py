"""Date fields follow GOV.UK's date input pattern: the error summary's link for a date takes
the focus to its first box (the day, or the first box left empty), and the wrapper round the
three boxes carries no `required` attribute, which is invalid on a <div>."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cohort.extensions import db
from cohort.models import Cohort, Session
from tests.integration.test_cohorts import VALID
from tests.integration.test_schedule import session_form


def _summary_links(page: str) -> list[str]:
    summary = page[page.index('class="govuk-error-summary"') :]
    summary = summary[: summary.index("</ul>")]
    return re.findall(r'href="(#[^"]+)"', summary)


def _tag_with_id(page: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+\b[^>]*\bid="{re.escape(element_id)}"[^>]*>', page)
    assert match, f"nothing on the page has id {element_id}"
    return match.group(0)


@pytest.mark.parametrize(
    ("start_date", "target"),
    [
        (["", "", ""], "start_date-day"),
        (["", "1", "2027"], "start_date-day"),
        (["11", "", "2027"], "start_date-month"),
        (["11", "1", ""], "start_date-year"),
        (["31", "2", "2027"], "start_date-day"),
    ],
)
def test_new_cohort_date_error_links_to_a_box(client, world, sign_in, start_date, target):
    sign_in(world.admin)
    before = db.session.scalar(select(func.count()).select_from(Cohort))
    response = client.post("/cohorts/new", data={**VALID, "start_date": start_date})
    assert response.status_code == 400
    page = response.text
    assert f"#{target}" in _summary_links(page)
    assert _tag_with_id(page, target).startswith("<input")
    # The wrapper keeps the field's name as its id, without `required`; no id is used twice.
    wrapper = _tag_with_id(page, "start_date")
    assert wrapper.startswith("<div") and "required" not in wrapper
    assert page.count(f'id="{target}"') == 1
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == before


def test_new_session_date_error_links_to_the_day(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(f"/cohorts/{world.cohort.slug}/schedule/new", data=session_form(day=["", "", ""]))
    assert response.status_code == 400
    assert "#day-day" in _summary_links(response.text)
    assert _tag_with_id(response.text, "day-day").startswith("<input")
    assert "required" not in _tag_with_id(response.text, "day")
    assert db.session.scalar(select(func.count()).select_from(Session)) == 0


@pytest.mark.parametrize(
    ("path", "wrapper"),
    [
        ("/cohorts/new", "start_date"),
        ("/cohorts/{slug}/schedule/new", "day"),
        ("/cohorts/{slug}/edit", "start_date"),
    ],
)
def test_date_wrappers_carry_no_required_attribute(client, world, sign_in, path, wrapper):
    sign_in(world.admin)
    page = client.get(path.format(slug=world.cohort.slug)).text
    tag = _tag_with_id(page, wrapper)
    assert 'class="govuk-date-input' in tag and "required" not in tag
    assert _tag_with_id(page, f"{wrapper}-day").startswith("<input")
