"""Schemathesis against the live OpenAPI spec (docs/api.md, Testing): every operation, with a
token of each role that may hold one, and with none. No 5xx; every response, status, header
and body conforms to the spec (its documented statuses, problem details for errors)."""

from __future__ import annotations

import contextvars
from datetime import UTC, datetime, timedelta

import schemathesis
from flask.globals import _cv_app
from hypothesis import HealthCheck, Phase, given, settings

from cohort.api import tokens as api_tokens
from cohort.extensions import db
from tests.sessions import session_id_in


def _isolated(app):
    """The app as a WSGI callable whose every request runs in its own app context, as in
    production (the test holds one open for the database; see tests/conftest.py IsolatedClient)."""

    def wsgi(environ, start_response):
        db.session.commit()

        def run():
            _cv_app.set(None)
            return list(app.wsgi_app(environ, start_response))

        return contextvars.copy_context().run(run)

    return wsgi


EXAMPLES = 12  # per operation and role: the suite stays well under a minute


def test_every_operation_conforms_to_the_spec_for_every_role(app, world):
    session_id_in(world.cohort)
    db.session.commit()
    tokens = {
        role: api_tokens.create(
            world.by_role(role),
            "schemathesis",
            list(api_tokens.scopes_for(world.by_role(role).role)),
            datetime.now(UTC).date() + timedelta(days=5),
        ).secret
        for role in ("admin", "facilitator", "sponsor")
    }
    headers_by_role = [{"Authorization": f"Bearer {secret}"} for secret in tokens.values()] + [{}]
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _isolated(app))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case):
            for headers in headers_by_role:
                case.call_and_validate(headers=headers)
                db.session.rollback()

        conforms()
