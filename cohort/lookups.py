"""Finding the record an address names (docs/architecture.md §16).

Record ids are 32-bit integers in both databases. Routes take ids through the `id` URL
converter (`/enrolments/<id:enrolment_id>`), which matches 1 to 2**31 - 1 only: a longer
number, zero or a sign is simply no page (404), never a database overflow (500).
`found_or_404` is the one way a route loads a record by id and checks that it belongs where
the address says (the session of this cohort, the token of this person).
"""

from __future__ import annotations

from typing import Any, TypeVar

from werkzeug.routing import IntegerConverter, Map

from cohort.auth.access import refuse
from cohort.extensions import db

MAX_ID = 2**31 - 1

T = TypeVar("T")


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive integer that fits a 32-bit id column."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(raw: str | None) -> int | None:
    """A record id typed in a form or query string, or None for anything else."""
    if raw is None or not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        return None
    return int(raw)


def found_or_404(model: type[T], ident: int, **must_match: Any) -> T:
    """The `model` row with this id whose attributes equal `must_match`, else 404 (logged
    with the reason). An id outside the scope it is looked up in is "not found", not
    "forbidden" (docs/rules.md §1.3)."""
    found = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if found is None or any(getattr(found, name) != value for name, value in must_match.items()):
        where = ", ".join(f"{name}={value}" for name, value in must_match.items())
        refuse(404, f"no {model.__name__} {ident}" + (f" with {where}" if where else ""))
    return found
