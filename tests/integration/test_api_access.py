"""The API's route × role × scope table (docs/api.md, Tokens and scopes; docs/rules.md §1).

Built from the live OpenAPI spec: an operation in the spec without a row here fails, and so does
a row for an operation that no longer exists. Each operation is tried with a token of each role
(participants hold none) for: its own scope, another department, another cohort, an expired
token, a revoked token, a token without the operation's scope, and no token at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from cohort.models import ApiToken
from tests.sessions import session_id_in

STAFF = ("admin", "facilitator", "sponsor")


@dataclass(frozen=True)
class Row:
    scope: str | None  # None: public
    own: dict[str, int]  # status per role, on the world's cohort
    other_cohort: dict[str, int] | None = None  # status per role, on a cohort of someone else's


def every(code: int) -> dict[str, int]:
    return dict.fromkeys(STAFF, code)


SCOPED_TO_COHORT = {"admin": 200, "facilitator": 404, "sponsor": 404}

# (method, path in the spec) -> row.
EXPECTED: dict[tuple[str, str], Row] = {
    ("get", "/api/v1/cohorts"): Row("cohorts:read", every(200)),
    ("get", "/api/v1/cohorts/{slug}"): Row("cohorts:read", every(200), SCOPED_TO_COHORT),
    ("get", "/api/v1/cohorts/{slug}/sessions"): Row("cohorts:read", every(200), SCOPED_TO_COHORT),
    ("get", "/api/v1/cohorts/{slug}/sessions/{session_id}"): Row(
        "cohorts:read", every(200), SCOPED_TO_COHORT
    ),
    ("get", "/api/v1/enrolments"): Row("enrolments:read", every(200)),
    ("get", "/api/v1/cohorts/{slug}/sessions/{session_id}/attendance"): Row(
        "attendance:read", every(200), SCOPED_TO_COHORT
    ),
    ("get", "/api/v1/cohorts/{slug}/outcomes"): Row("outcomes:read", every(200), SCOPED_TO_COHORT),
    # Writes are sent with a stale If-Match and a well-formed body: 412 where the caller may write.
    ("put", "/api/v1/cohorts/{slug}/sessions/{session_id}/attendance"): Row(
        "attendance:write", every(412), {"admin": 412, "facilitator": 404, "sponsor": 404}
    ),
    # The other participant's enrolment (DVLA, in the facilitator's cohort): not the MOJ sponsor's.
    ("get", "/api/v1/enrolments/{enrolment_id}"): Row("enrolments:read", {**every(200), "sponsor": 404}),
    # Programme managers only hold enrolments:write. A stale If-Match: 412.
    ("patch", "/api/v1/enrolments/{enrolment_id}"): Row("enrolments:write", every(412)),
    # A well-formed nomination of someone with no account and no name: 422, the form's rule.
    ("post", "/api/v1/cohorts/{slug}/enrolments"): Row("enrolments:write", every(422), every(422)),
    # Bulk nominations of one new person with no name: 409, the row's problem (nothing written).
    ("post", "/api/v1/cohorts/{slug}/nominations"): Row("enrolments:write", every(409), every(409)),
    ("get", "/api/v1/certificates/verify"): Row(None, every(200)),
    ("get", "/api/v1/cohorts/{slug}/assessments"): Row("assessments:read", every(200), SCOPED_TO_COHORT),
    # The MOJ sponsor's own department; facilitators hold no reports:read (as the report's pages).
    ("get", "/api/v1/departments/{code}/outcomes"): Row("reports:read", every(200)),
}

BODIES = {
    "/api/v1/cohorts/{slug}/nominations": {"rows": [{"email": "new.person@example.gov.uk"}]},
    "/api/v1/enrolments/{enrolment_id}": {"status": "withdrawn", "reason": "Moved post"},
    "/api/v1/cohorts/{slug}/enrolments": {"email": "new.person@example.gov.uk"},
    "/api/v1/cohorts/{slug}/sessions/{session_id}/attendance": {
        "marks": [{"enrolment_id": 1, "mark": "absent"}]
    },
}


def _operations(client) -> set[tuple[str, str]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    return {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }


def test_every_operation_has_a_row(client):
    found = _operations(client)
    assert found - EXPECTED.keys() == set(), "operations with no row in this table"
    assert EXPECTED.keys() - found == set(), "rows for operations that no longer exist"


def test_the_table_and_the_code_agree_on_scopes(world, client):
    """Each operation asks for the scope its row names, and the spec says it needs a token."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for (method, path), row in EXPECTED.items():
        operation = spec["paths"][path][method]
        assert bool(operation.get("security")) == (row.scope is not None), path


def _token(user, scopes, *, days=30) -> str:
    return api_tokens.create(
        user, "table", list(scopes), datetime.now(UTC).date() + timedelta(days=days)
    ).secret


def _url(path: str, world, cohort=None) -> str:
    cohort = cohort or world.cohort
    url = path.replace("{slug}", cohort.slug).replace("{session_id}", str(session_id_in(cohort)))
    url = url.replace("{enrolment_id}", str(_other_participants_enrolment(world)))
    url = url.replace("{code}", world.moj.code)
    if path.endswith("/certificates/verify"):
        url += "?code=ABCD-EFGH-JKLM"
    if path.endswith("/assessments"):
        url += "?checkpoint=baseline"
    return url


def _other_participants_enrolment(world) -> int:
    from sqlalchemy import select

    from cohort.models import Enrolment

    return db.session.scalar(select(Enrolment.id).where(Enrolment.user_id == world.other_participant.id))


def _cases():
    for (method, path), row in sorted(EXPECTED.items()):
        for role in STAFF:
            yield pytest.param(method, path, row, role, id=f"{method} {path} {role}")


def _call(client, method, url, secret=None):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    if method == "get":
        return client.open(url, method="GET", headers=headers)
    path = next(p for (m, p) in EXPECTED if m == method and _matches(p, url))
    return client.open(
        url, method=method.upper(), headers={**headers, "If-Match": '"stale"'}, json=BODIES[path]
    )


def _matches(path: str, url: str) -> bool:
    import re

    pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(path))
    return re.fullmatch(pattern, url.split("?")[0]) is not None


@pytest.mark.parametrize(("method", "path", "row", "role"), list(_cases()))
def test_operation_answers_each_role_and_token(world, client, method, path, row, role):
    user = world.by_role(role)
    allowed = api_tokens.scopes_for(user.role)
    url = _url(path, world)
    if row.scope is None:
        assert _call(client, method, url).status_code == row.own[role]
        return
    if row.scope not in allowed:
        pytest.skip(f"a {role} cannot hold {row.scope}: test_missing_scope covers it")
    # Own scope.
    good = _token(user, allowed)
    response = _call(client, method, url, good)
    assert response.status_code == row.own[role], response.text
    # Another cohort.
    if row.other_cohort is not None:
        other = _call(client, method, _url(path, world, world.other_cohort), good)
        assert other.status_code == row.other_cohort[role]
        if other.status_code == 404:
            assert other.mimetype == "application/problem+json"
            assert world.other_cohort.name not in other.text
    # Without the operation's scope.
    rest = [s for s in allowed if s != row.scope]
    assert _call(client, method, url, _token(user, rest)).status_code == 403
    # Revoked.
    revoked = _token(user, allowed)
    api_tokens.revoke(
        user, db.session.query(ApiToken).filter_by(token_digest=api_tokens.digest(revoked)).one()
    )
    assert _call(client, method, url, revoked).status_code == 401
    # Expired.
    expired = _token(user, allowed, days=1)
    db.session.query(ApiToken).filter_by(token_digest=api_tokens.digest(expired)).update(
        {"expires_at": datetime.now(UTC) - timedelta(seconds=1)}
    )
    db.session.commit()
    assert _call(client, method, url, expired).status_code == 401
    # No token, a wrong one, and another scheme.
    for secret in (None, "cohort_pat_not-a-token", good[:-1]):
        refused = _call(client, method, url, secret)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert refused.mimetype == "application/problem+json"
    basic = client.open(url, method=method.upper(), headers={"Authorization": f"Basic {good}"})
    assert basic.status_code == 401


@pytest.mark.parametrize("role", ["facilitator", "sponsor"])
def test_missing_scope_cannot_be_granted_beyond_the_role(world, role):
    user = world.by_role(role)
    beyond = set(api_tokens.SCOPES) - set(api_tokens.scopes_for(user.role))
    assert beyond
    with pytest.raises(api_tokens.TokenError):
        _token(user, beyond)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/enrolments",
        "/api/v1/cohorts/{slug}/outcomes",
        "/api/v1/cohorts/{slug}/sessions/{session_id}/attendance",
        "/api/v1/cohorts/{slug}/assessments",
    ],
)
def test_a_sponsors_token_sees_its_own_department_only(world, client, path):
    scopes = api_tokens.scopes_for(world.sponsor.role)
    url = _url(path, world)
    moj = _call(client, "get", url, _token(world.sponsor, scopes)).get_json()
    dvla = _call(client, "get", url, _token(world.other_sponsor, scopes)).get_json()
    admin = _call(client, "get", url, _token(world.admin, api_tokens.scopes_for(world.admin.role))).get_json()
    assert {r["name"] for r in moj} == {world.participant.full_name}
    assert {r["name"] for r in dvla} == {world.other_participant.full_name}
    assert {r["name"] for r in admin} == {world.participant.full_name, world.other_participant.full_name}


def test_a_token_ends_with_its_owners_role(world, client):
    from cohort.auth import accounts
    from cohort.models import Role

    secret = _token(world.sponsor, ["cohorts:read"])
    assert _call(client, "get", "/api/v1/cohorts", secret).status_code == 200
    accounts.set_active(world.admin, world.sponsor, False)
    assert _call(client, "get", "/api/v1/cohorts", secret).status_code == 401
    accounts.set_active(world.admin, world.sponsor, True)
    assert _call(client, "get", "/api/v1/cohorts", secret).status_code == 401
    other = _token(world.facilitator, ["cohorts:read"])
    accounts.update_user(
        world.admin, world.facilitator, full_name="F", role=Role.SPONSOR, department=world.moj, job_title=None
    )
    assert _call(client, "get", "/api/v1/cohorts", other).status_code == 401


def test_the_session_cookie_is_not_a_way_in(world, sign_in):
    client = sign_in(world.admin)
    assert client.get("/cohorts/").status_code == 200
    response = client.get("/api/v1/cohorts")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
