"""Staff search (docs/rules.md §1.2): one box finds people, cohorts, sessions and challenges,
only within what the searcher may see, with the same number of queries whatever the data."""

from __future__ import annotations

import html
import itertools
import re

import pytest

from cohort.extensions import db
from cohort.models import Role
from tests import factories as f
from tests.querycount import count_queries
from tests.sessions import make_session


def _people(response) -> list[str]:
    """The names in the People group, in order."""
    section = response.text.split('<h2 class="govuk-heading-m">People', 1)[1].split("<h2", 1)[0]
    names = re.findall(r'<li>\s*<a class="govuk-link" href="/[^"]*">([^<]*)</a>', section)
    return [" ".join(html.unescape(name).split()) for name in names]


def _group_total(response, group: str) -> int:
    found = re.search(rf"<h2 class=\"govuk-heading-m\">{group} \((\d+)\)</h2>", response.text)
    assert found, f"no {group} group"
    return int(found.group(1))


@pytest.fixture
def outsiders(world):
    """People, a session and a challenge outside the facilitator's and the MOJ sponsor's scope."""
    dvla_elsewhere = f.make_user(Role.PARTICIPANT, world.dvla, full_name="Ngozi Outside")
    moj_elsewhere = f.make_user(Role.PARTICIPANT, world.moj, full_name="Ngaio Elsewhere")
    f.enrol(world.other_cohort, dvla_elsewhere)
    f.enrol(world.other_cohort, moj_elsewhere)
    make_session(world.cohort, title="Ngram models workshop")
    make_session(world.other_cohort, title="Ngram models for cohort 2")
    f.make_challenge(world.moj, "Ngram prison letters")
    f.make_challenge(world.dvla, "Ngram licence forms")
    db.session.commit()
    return dvla_elsewhere, moj_elsewhere


def test_the_programme_manager_finds_everyone_and_everything(world, sign_in, outsiders):
    client = sign_in(world.admin)
    response = client.get("/search?q=NG")  # case does not matter
    assert response.status_code == 200
    assert _people(response) == ["Ngaio Elsewhere", "Ngozi Outside", "Zoë Ng"]
    assert _group_total(response, "Sessions") == 2
    assert _group_total(response, "Challenges") == 2
    # Staff match by e-mail address too, and link to their user page.
    response = client.get(f"/search?q={world.facilitator.email}")
    assert _people(response) == ["Fran Facilitator"]
    assert f'href="/admin/users/{world.facilitator.id}"' in response.text
    # Cohorts by name.
    assert _group_total(client.get("/search?q=cohort 2"), "Cohorts") == 1


def test_a_facilitator_finds_only_their_cohorts_and_people(world, sign_in, outsiders):
    client = sign_in(world.facilitator)
    response = client.get("/search?q=ng")
    assert _people(response) == ["Zoë Ng"]  # not the DVLA or MOJ participants of the other cohort
    assert f'href="/participants/{world.other_participant.id}"' in response.text
    assert "Ngram models workshop" in response.text
    assert "Ngram models for cohort 2" not in response.text
    assert "Challenges (" not in response.text  # facilitators have no challenges (docs/rules.md §1.4)
    assert _group_total(client.get("/search?q=cohort 2"), "Cohorts") == 0
    # Another facilitator is not one of the people a facilitator may look up.
    assert _people(client.get("/search?q=otto")) == []


def test_a_sponsor_finds_only_their_departments_people(world, sign_in, outsiders):
    client = sign_in(world.sponsor)  # MOJ
    response = client.get("/search?q=n")
    names = _people(response)
    assert "Siân O'Neill" in names
    assert "Ngaio Elsewhere" in names  # MOJ, in a cohort the MOJ sponsor's scope includes
    assert "Zoë Ng" not in names and "Ngozi Outside" not in names  # DVLA
    assert "Ngram prison letters" in response.text
    assert "Ngram licence forms" not in response.text
    # Sessions of cohorts in scope only: both cohorts have MOJ people here.
    assert _group_total(client.get("/search?q=ngram models"), "Sessions") == 2
    # The DVLA sponsor sees neither MOJ person nor the MOJ challenge.
    dvla = sign_in(world.other_sponsor)
    response = dvla.get("/search?q=n")
    assert "Ngaio Elsewhere" not in _people(response)
    assert "Ngram prison letters" not in response.text


def test_participants_may_not_search(world, sign_in):
    assert sign_in(world.participant).get("/search?q=ng").status_code == 403


@pytest.mark.parametrize("text", ["%", "_", "\\", "/", "%_%", "/%"])
def test_wildcards_are_taken_literally(world, sign_in, text):
    client = sign_in(world.admin)
    response = client.get("/search", query_string={"q": text})
    assert response.status_code == 200
    assert f"Nothing matches “{text}”" in response.text.replace("&#34;", '"')


def test_a_literal_underscore_and_percent_match_only_themselves(world, sign_in):
    f.make_user(Role.PARTICIPANT, world.moj, full_name="Percy 100% Sure", email="under_score@example.gov.uk")
    f.make_user(Role.PARTICIPANT, world.moj, full_name="Underxscore", email="underxscore@example.gov.uk")
    db.session.commit()
    client = sign_in(world.admin)
    assert _people(client.get("/search", query_string={"q": "under_"})) == ["Percy 100% Sure"]
    assert _people(client.get("/search", query_string={"q": "100%"})) == ["Percy 100% Sure"]
    assert _people(client.get("/search", query_string={"q": "r_s"})) == ["Percy 100% Sure"]  # not "rxs"


def test_empty_and_too_long_searches_say_what_to_do(world, sign_in):
    client = sign_in(world.admin)
    page = client.get("/search")
    assert page.status_code == 200 and "There is a problem" not in page.text
    for q in ("", "   "):
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 400
        assert "Enter a name, e-mail address, cohort, session or challenge to search for" in response.text
        assert "<title>Error: Search" in response.text
    response = client.get("/search", query_string={"q": "x" * 101})
    assert response.status_code == 400
    assert "Search for 100 characters or fewer" in response.text
    assert client.get("/search", query_string={"q": "x" * 100}).status_code == 200
    assert client.get("/search", query_string={"q": "x" * 5000}).status_code == 400


def test_a_nul_in_a_search_is_dropped(world, sign_in):
    # The existing guard (cohort/security.py) drops NUL from a query string before the search.
    f.make_user(Role.PARTICIPANT, world.moj, full_name="Gabby Nul")
    db.session.commit()
    response = sign_in(world.admin).get("/search?q=a%00b")
    assert response.status_code == 200
    assert _people(response) == ["Gabby Nul"]


def test_each_group_shows_twenty_and_counts_the_rest(world, sign_in):
    for i in range(23):
        f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, world.moj, full_name=f"Many Person {i:02}"))
    db.session.commit()
    response = sign_in(world.admin).get("/search?q=many person")
    assert len(_people(response)) == 20
    assert _group_total(response, "People") == 23
    assert "Showing the first 20 of 23 people. 3 more match" in response.text
    assert "See every matching participant in the participants list" in response.text


_grown = itertools.count()


def _grow(world, n: int) -> None:
    for _ in range(n):
        i = next(_grown)
        department = world.moj if i % 2 else world.dvla
        person = f.make_user(Role.PARTICIPANT, department, full_name=f"Grown Person {i}")
        f.enrol(world.cohort if i % 3 else world.other_cohort, person)
        make_session(world.cohort, title=f"Grown session {i}")
        if i % 10 == 0:
            f.make_challenge(department, f"Grown challenge {i}")
    db.session.commit()


@pytest.mark.parametrize("role", ["admin", "facilitator", "sponsor"])
def test_queries_do_not_grow_with_the_data(world, sign_in, role):
    client = sign_in(world.by_role(role))
    counts = []
    for extra in (5, 60):
        _grow(world, extra)
        with count_queries(db.engine) as queries:
            response = client.get("/search?q=grown")
            assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries, then {counts[1]}"


def test_staff_have_a_search_box_in_the_header_and_participants_do_not(world, sign_in):
    for user in (world.admin, world.facilitator, world.sponsor):
        assert 'id="header-search"' in sign_in(user).get("/dashboard").text
    assert 'id="header-search"' not in sign_in(world.participant).get("/dashboard").text
