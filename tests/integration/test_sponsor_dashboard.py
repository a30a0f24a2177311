"""The department sponsor's dashboard: their department's enrolments, filtered by cohort, status
and name, a page at a time like the participants list (docs/rules.md §1.2)."""

from __future__ import annotations

import html
import re

import pytest

from cohort.extensions import db
from cohort.models import EnrolmentStatus, Role
from tests import factories as f
from tests.querycount import count_queries


def _names(response) -> list[str]:
    table = response.text.split("Participants nominated by", 1)[1]
    return [html.unescape(n) for n in re.findall(r'href="/participants/\d+">([^<]*)</a>', table)]


def _title(response) -> str:
    return " ".join(html.unescape(re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)).split())


def test_only_the_sponsors_department_is_listed(world, sign_in):
    response = sign_in(world.sponsor).get("/dashboard")
    assert response.status_code == 200
    assert _names(response) == ["Siân O'Neill"]  # not Zoë Ng of DVLA in the same cohort


def test_filters_by_cohort_status_and_name(world, sign_in):
    withdrawn = f.make_user(Role.PARTICIPANT, world.moj, full_name="Wendy Withdrawn")
    f.enrol(world.other_cohort, withdrawn, EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    client = sign_in(world.sponsor)
    assert sorted(_names(client.get("/dashboard"))) == ["Siân O'Neill", "Wendy Withdrawn"]
    assert _names(client.get(f"/dashboard?cohort={world.other_cohort.slug}")) == ["Wendy Withdrawn"]
    assert _names(client.get("/dashboard?status=withdrawn")) == ["Wendy Withdrawn"]
    assert _names(client.get("/dashboard?q=SIÂN")) == ["Siân O'Neill"]
    response = client.get(f"/dashboard?cohort={world.cohort.slug}&status=withdrawn")
    assert _names(response) == []
    assert "No participants match." in response.text
    assert _title(response) == f"Dashboard – {world.cohort.name} – Withdrawn – Cohort"


@pytest.mark.parametrize(
    "query",
    [
        "cohort=not-a-cohort",
        "status=nonsense",
        "page=abc",
        "page=-3",
        "page=99999999999999999999",
        "q=" + "x" * 500,
    ],
)
def test_strange_filters_never_fail(world, sign_in, query):
    response = sign_in(world.sponsor).get(f"/dashboard?{query}")
    assert response.status_code == 200


def test_another_departments_cohort_is_not_a_filter(world, sign_in):
    """A cohort with no MOJ people is not offered and filters nothing in."""
    dvla_only = f.make_cohort("DVLA only cohort")
    f.enrol(dvla_only, f.make_user(Role.PARTICIPANT, world.dvla, full_name="Dee Vla"))
    db.session.commit()
    response = sign_in(world.sponsor).get(f"/dashboard?cohort={dvla_only.slug}")
    assert "DVLA only cohort" not in response.text
    assert _names(response) == ["Siân O'Neill"]  # an unknown cohort means every cohort


def test_pages_with_page_numbers_in_the_title(app, world, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "USERS_PER_PAGE", 2)
    for i in range(4):
        f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, world.moj, full_name=f"Paged Person {i}"))
    db.session.commit()
    client = sign_in(world.sponsor)
    first = client.get("/dashboard")
    assert len(_names(first)) == 2
    assert _title(first) == "Dashboard – page 1 of 3 – Cohort"
    assert "5 enrolments, showing 1 to 2" in first.text
    assert 'aria-label="Pages of your department’s participants"' in first.text
    last = client.get("/dashboard?page=3&q=person")
    assert _title(last) == "Dashboard – Search: “person” – page 2 of 2 – Cohort"  # past the end: the last
    assert _names(last) == ["Paged Person 2", "Paged Person 3"]
    # The page links keep the filters.
    assert re.search(r'href="/dashboard\?[^"]*q=person[^"]*page=1"', last.text)


def test_queries_do_not_grow_with_the_department(world, sign_in):
    client = sign_in(world.sponsor)
    counts = []
    for extra in (8, 90):
        for _ in range(extra):
            f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, world.moj))
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get("/dashboard?status=active").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
