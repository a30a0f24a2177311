"""Pages send the same number of queries for 10 participants as for 100."""

from __future__ import annotations

import pytest

from cohort.extensions import db
from cohort.models import Role
from tests import factories
from tests.querycount import count_queries


def _grow(world, n: int) -> None:
    for i in range(n):
        person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
        factories.enrol(world.cohort, person)
    db.session.commit()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("admin", "/dashboard"),
        ("facilitator", "/dashboard"),
        ("participant", "/dashboard"),
        ("admin", "/cohorts/"),
        ("admin", "/cohorts/{slug}"),
        ("facilitator", "/cohorts/{slug}"),
        ("sponsor", "/dashboard"),
        ("sponsor", "/cohorts/{slug}"),
    ],
)
def test_queries_do_not_grow_with_participants(app, client, world, sign_in, role, path):
    sign_in(world.by_role(role))
    url = path.format(slug=world.cohort.slug)
    counts = []
    for extra in (8, 90):  # 10, then 100 participants in the cohort
        _grow(world, extra)
        with count_queries(db.engine) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] > 0
    assert counts[0] == counts[1], f"{url}: {counts[0]} queries for 10 participants, {counts[1]} for 100"
