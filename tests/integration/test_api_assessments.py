"""The API's skills assessments (docs/api.md, Assessments): each person's levels per skill at a
checkpoint, the facilitator's and their own, as the progress pages; scope, paging, bad input,
and a query count that does not grow with the number of people."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from tests import factories
from tests.factories import enrolment_of
from tests.querycount import count_queries


def _headers(user) -> dict:
    secret = api_tokens.create(
        user,
        "assessments",
        list(api_tokens.scopes_for(user.role)),
        datetime.now(UTC).date() + timedelta(days=30),
    ).secret
    return {"Authorization": f"Bearer {secret}"}


def _world_with_levels(world):
    skill = factories.make_skill("Data modelling")
    factories.assess_skill(world.cohort, skill, target=3)
    mine = enrolment_of(world.cohort, world.participant)
    factories.make_assessment(mine, skill, 2, "baseline", "facilitator", by=world.facilitator)
    factories.make_assessment(mine, skill, 3, "baseline", "self")
    factories.make_assessment(mine, skill, 3, "midpoint", "facilitator", by=world.facilitator)
    db.session.commit()
    return skill, mine


def test_levels_at_each_checkpoint_facilitators_and_their_own(world, client):
    skill, mine = _world_with_levels(world)
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.cohort.slug}/assessments"
    baseline = client.get(f"{url}?checkpoint=baseline", headers=headers)
    assert baseline.status_code == 200, baseline.text
    rows = {r["name"]: r for r in baseline.json}
    assert set(rows) == {world.participant.full_name, world.other_participant.full_name}
    assert rows[world.participant.full_name]["enrolment_id"] == mine.id
    assert rows[world.participant.full_name]["department"] == "MOJ"
    assert rows[world.participant.full_name]["skills"] == [
        {"skill_id": skill.id, "skill": "Data modelling", "target_level": 3, "level": 2, "self_level": 3}
    ]
    assert rows[world.other_participant.full_name]["skills"][0]["level"] is None
    midpoint = client.get(f"{url}?checkpoint=midpoint", headers=headers).json
    mid = next(r for r in midpoint if r["enrolment_id"] == mine.id)["skills"][0]
    assert (mid["level"], mid["self_level"]) == (3, None)
    final = client.get(f"{url}?checkpoint=final", headers=headers).json
    assert all(s["level"] is None for r in final for s in r["skills"])


def test_the_same_levels_as_the_progress_page(world, client, sign_in):
    _world_with_levels(world)
    page = sign_in(world.admin).get(f"/cohorts/{world.cohort.slug}/progress").get_data(as_text=True)
    assert "Data modelling" in page
    api = client.get(
        f"/api/v1/cohorts/{world.cohort.slug}/assessments?checkpoint=midpoint", headers=_headers(world.admin)
    ).json
    assert any(s["level"] == 3 for r in api for s in r["skills"])


def test_a_sponsor_sees_their_own_department_only(world, client):
    _world_with_levels(world)
    url = f"/api/v1/cohorts/{world.cohort.slug}/assessments?checkpoint=baseline"
    moj = client.get(url, headers=_headers(world.sponsor)).json
    dvla = client.get(url, headers=_headers(world.other_sponsor)).json
    assert [r["name"] for r in moj] == [world.participant.full_name]
    assert [r["name"] for r in dvla] == [world.other_participant.full_name]


def test_bad_input_is_a_clear_problem_never_a_500(world, client):
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.cohort.slug}/assessments"
    for query in ("", "?checkpoint=", "?checkpoint=halfway", "?checkpoint=BASELINE", "?checkpoint=a%00b"):
        answer = client.get(url + query, headers=headers)
        assert answer.status_code == 422, query
        assert answer.mimetype == "application/problem+json"
        assert "checkpoint" in answer.json["errors"]["query"]
    wrong = client.get(url + "?checkpoint=halfway", headers=headers).json
    assert "baseline, midpoint, final" in str(wrong["errors"])
    missing = client.get("/api/v1/cohorts/no-such-cohort/assessments?checkpoint=baseline", headers=headers)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    other = client.get(
        f"/api/v1/cohorts/{world.other_cohort.slug}/assessments?checkpoint=baseline",
        headers=_headers(world.facilitator),
    )
    assert other.status_code == 404


def test_paging_and_etag(world, client):
    import json

    for n in range(3):
        factories.enrol(world.cohort, factories.make_user(full_name=f"Person {n}", department=world.moj))
    db.session.commit()
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.cohort.slug}/assessments?checkpoint=baseline"
    first = client.get(url + "&page=1&page_size=2", headers=headers)
    second = client.get(url + "&page=2&page_size=2", headers=headers)
    everyone = client.get(url, headers=headers).json
    assert json.loads(first.headers["X-Pagination"])["total"] == len(everyone) == 5
    assert [r["enrolment_id"] for r in first.json + second.json] == [r["enrolment_id"] for r in everyone][:4]
    again = client.get(
        url, headers={**headers, "If-None-Match": client.get(url, headers=headers).headers["ETag"]}
    )
    assert again.status_code == 304


def test_queries_do_not_grow_with_the_number_of_people(world, client):
    _world_with_levels(world)
    headers = _headers(world.admin)
    url = f"/api/v1/cohorts/{world.cohort.slug}/assessments?checkpoint=baseline"

    def count() -> int:
        with count_queries(db.engine) as counted:
            assert client.get(url, headers=headers).status_code == 200
        return len(counted)

    count()  # the token's first use records its last-used time
    before = count()
    skill = factories.make_skill("Testing")
    factories.assess_skill(world.cohort, skill)
    db.session.commit()
    before = count()
    for _ in range(15):
        person = factories.enrol(world.cohort, factories.make_user(department=world.dvla))
        factories.make_assessment(person, skill, 1, "baseline", "facilitator", by=world.facilitator)
    db.session.commit()
    assert count() == before
