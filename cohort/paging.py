"""Paging for lists that grow: a page of a query's rows, and the govukPagination
parameters for it. Strange page numbers (not a number, past the end) never fail."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from math import ceil
from typing import cast

from flask import request, url_for
from sqlalchemy import Select, func, select

from cohort.extensions import db

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class Page:
    items: list
    number: int  # 1-based, always within 1..pages
    pages: int  # at least 1, even when there is nothing to show
    total: int
    per_page: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.per_page, self.total)


def page_number(raw: str | None) -> int:
    """The page asked for; anything that is not a whole number means the first page."""
    try:
        return max(1, int(raw or "1"))
    except ValueError:
        return 1


def paginate(query: Select, raw_page: str | None, per_page: int) -> Page:
    """A page of the query's rows; past the end means the last page."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, ceil(total / per_page))
    number = min(page_number(raw_page), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((number - 1) * per_page)).unique())
    return Page(items=items, number=number, pages=pages, total=total, per_page=per_page)


def clean_search(text: str | None) -> str:
    """A search term without control or invisible characters (PostgreSQL refuses NUL)."""
    text = "".join(
        ch if unicodedata.category(ch)[0] != "C" else " " for ch in (text or "")[:MAX_SEARCH_LENGTH]
    )
    return " ".join(text.split())


def pagination_params(page: Page, args: dict, label: str) -> dict | None:
    """Parameters for govukPagination: first, last and the pages around the current one."""
    if page.pages <= 1:
        return None

    # Called from a view, so the request matched a route and has an endpoint.
    endpoint = cast(str, request.endpoint)

    def href(number: int) -> str:
        return url_for(endpoint, **args, page=number)

    shown = sorted(
        {1, page.pages, page.number - 1, page.number, page.number + 1} & set(range(1, page.pages + 1))
    )
    items: list[dict[str, object]] = []
    previous = 0
    for number in shown:
        if number - previous > 1:
            items.append({"ellipsis": True})
        items.append({"number": number, "href": href(number), "current": number == page.number})
        previous = number
    params: dict = {"items": items, "landmarkLabel": label}
    if page.number > 1:
        params["previous"] = {"href": href(page.number - 1)}
    if page.number < page.pages:
        params["next"] = {"href": href(page.number + 1)}
    return params
