"""The API's reads and errors (docs/api.md): problem details, paging, filters, ETags,
certificate checks, rate limits; the service's HTML error pages unchanged outside /api."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cohort import create_app
from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import ApiToken, CohortStatus, EnrolmentStatus
from tests import factories
from tests.querycount import count_queries


def _secret(user, scopes=None) -> str:
    scopes = scopes or api_tokens.scopes_for(user.role)
    return api_tokens.create(
        user, "reads", list(scopes), datetime.now(UTC).date() + timedelta(days=30)
    ).secret


def _auth(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_errors_are_problem_details_with_a_stable_type(world, client):
    headers = _auth(_secret(world.admin))
    missing = client.get("/api/v1/cohorts/no-such-cohort", headers=headers)
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.json["type"] == "/api/v1/problems/not-found" and missing.json["status"] == 404
    nowhere = client.get("/api/v1/no/such/thing", headers=headers)
    assert nowhere.status_code == 404 and nowhere.mimetype == "application/problem+json"
    wrong_method = client.delete("/api/v1/cohorts", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "application/problem+json"
    assert set(wrong_method.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    invalid = client.get("/api/v1/cohorts?status=sleeping", headers=headers)
    assert invalid.status_code == 422 and invalid.json["type"] == "/api/v1/problems/invalid-input"
    assert "status" in invalid.json["errors"]["query"]
    nul = client.get("/api/v1/cohorts/a%00b", headers=headers)
    assert nul.status_code in {400, 404}
    huge = client.get(f"/api/v1/cohorts/{world.cohort.slug}/sessions/99999999999", headers=headers)
    assert huge.status_code == 404


def test_the_service_pages_keep_their_html_errors(world, sign_in):
    client = sign_in(world.participant)
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Page not found" in page.text
    assert client.get("/admin/users").mimetype == "text/html"


def test_cohorts_page_in_a_stable_order_and_filter_by_status(world, client):
    for n in range(3):
        factories.make_cohort(f"Extra {n}", status=CohortStatus.PLANNED)
    db.session.commit()
    headers = _auth(_secret(world.admin))
    first = client.get("/api/v1/cohorts?page_size=2", headers=headers)
    second = client.get("/api/v1/cohorts?page_size=2&page=2", headers=headers)
    assert first.status_code == 200
    paging = first.headers["X-Pagination"]
    assert '"total": 5' in paging
    slugs = [c["slug"] for c in first.json + second.json]
    assert len(set(slugs)) == 4
    planned = client.get("/api/v1/cohorts?status=planned&page_size=100", headers=headers).json
    assert {c["status"] for c in planned} == {"planned"} and len(planned) == 3


def test_enrolments_filter_by_status_and_department(world, client):
    factories.enrol(world.other_cohort, factories.make_user(department=world.dvla), EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    headers = _auth(_secret(world.admin))
    dvla = client.get("/api/v1/enrolments?department=dvla", headers=headers).json
    assert {e["department"] for e in dvla} == {"DVLA"} and len(dvla) == 2
    withdrawn = client.get("/api/v1/enrolments?status=withdrawn", headers=headers).json
    assert [e["status"] for e in withdrawn] == ["withdrawn"]
    in_cohort = client.get(f"/api/v1/enrolments?cohort={world.cohort.slug}", headers=headers).json
    assert {e["cohort"] for e in in_cohort} == {world.cohort.slug}
    assert client.get("/api/v1/enrolments?department=nope", headers=headers).json == []
    # A facilitator asking for another cohort's enrolments: 404, as the cohort page.
    facilitator = _auth(_secret(world.facilitator))
    assert (
        client.get(f"/api/v1/enrolments?cohort={world.other_cohort.slug}", headers=facilitator).status_code
        == 404
    )


def test_reads_carry_an_etag_and_answer_304_when_unchanged(world, client):
    headers = _auth(_secret(world.admin))
    first = client.get(f"/api/v1/cohorts/{world.cohort.slug}", headers=headers)
    etag = first.headers["ETag"]
    again = client.get(f"/api/v1/cohorts/{world.cohort.slug}", headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    world.cohort.capacity += 1
    db.session.commit()
    changed = client.get(f"/api/v1/cohorts/{world.cohort.slug}", headers={**headers, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_outcomes_give_reasons_rule_by_rule(world, client):
    rows = client.get(
        f"/api/v1/cohorts/{world.cohort.slug}/outcomes", headers=_auth(_secret(world.admin))
    ).json
    assert len(rows) == 2
    assert {check["rule"] for check in rows[0]["checks"]} >= {"attendance"}
    assert all(check["reason"] for check in rows[0]["checks"])


def test_last_used_is_recorded_at_most_once_a_minute(world, client):
    secret = _secret(world.admin)
    client.get("/api/v1/cohorts", headers=_auth(secret))
    row = db.session.query(ApiToken).one()
    first = row.last_used_at
    assert first is not None
    client.get("/api/v1/cohorts", headers=_auth(secret))
    db.session.expire_all()
    assert db.session.query(ApiToken).one().last_used_at == first


def test_query_counts_do_not_grow_with_participants(world, client):
    headers = _auth(_secret(world.admin))
    paths = [
        "/api/v1/enrolments?page_size=100",
        f"/api/v1/cohorts/{world.cohort.slug}/outcomes",
    ]

    def counts():
        found = []
        for path in paths:
            with count_queries(db.engine) as counted:
                assert client.get(path, headers=headers).status_code == 200
            found.append(len(counted))
        return found

    counts()  # the token's first use also records its last-used time
    before = counts()
    for _ in range(15):
        factories.enrol(world.cohort, factories.make_user(department=world.moj))
    db.session.commit()
    assert counts() == before


def test_certificate_verify_is_public_and_says_only_what_the_page_says(world, client):
    from cohort.records.service import issue

    enrolment = factories.enrol(
        world.other_cohort, factories.make_user(full_name="Ada Done"), EnrolmentStatus.COMPLETED
    )
    db.session.commit()
    certificate = issue(None, enrolment, datetime.now(UTC))
    db.session.commit()
    found = client.get(f"/api/v1/certificates/verify?code={certificate.code}")
    assert found.status_code == 200
    assert found.json["valid"] is True and found.json["name"] == "Ada Done"
    unknown = client.get("/api/v1/certificates/verify?code=ABCD-EFGH-JKLM")
    assert unknown.status_code == 200 and unknown.json == {
        "valid": False,
        "name": None,
        "cohort": None,
        "completed_on": None,
    }
    bad = client.get("/api/v1/certificates/verify?code=%21%21")
    assert bad.status_code == 422
    assert bad.json["errors"]["query"]["code"] == [
        "Verification code must be 12 letters and numbers, like ABCD-EFGH-JKLM"
    ]


def test_rate_limit_per_token_is_a_429_problem(database_url, world):
    one, two = _secret(world.admin), _secret(world.admin)
    db.session.close()  # this app's read transaction ends before the other app writes
    limited = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "API_RATE_LIMIT": "3 per minute",
            "SERVER_NAME": "localhost",
        }
    )
    client = limited.test_client()
    for _ in range(3):
        assert client.get("/api/v1/cohorts", headers=_auth(one)).status_code == 200
    refused = client.get("/api/v1/cohorts", headers=_auth(one))
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert refused.json["type"] == "/api/v1/problems/too-many-requests"
    # Another token of the same person has its own count.
    assert client.get("/api/v1/cohorts", headers=_auth(two)).status_code == 200
    with limited.app_context():
        db.engine.dispose()
