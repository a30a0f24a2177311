"""GET /search?q=…: staff find people, cohorts, sessions and challenges (docs/rules.md §1.2)."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from cohort.auth.access import roles_required
from cohort.paging import clean_search
from cohort.policy import STAFF_AND_SPONSORS
from cohort.search import bp, queries


@bp.route("/search")
@roles_required(*STAFF_AND_SPONSORS)
def search():
    """No `q`: the empty search page. An empty or too long `q`: the page with an error (400).
    Otherwise the results, each group capped at queries.LIMIT with a count of the rest."""
    raw = request.args.get("q")
    text = clean_search(raw)
    error = None
    if raw is not None and not text:
        error = "Enter a name, e-mail address, cohort, session or challenge to search for"
    elif raw is not None and len(raw.strip()) > queries.MAX_QUERY_LENGTH:
        error = f"Search for {queries.MAX_QUERY_LENGTH} characters or fewer"
    results = queries.search(current_user, text) if text and not error else None
    return render_template(
        "search/results.html",
        title="Search",
        q=(raw or "")[: queries.MAX_QUERY_LENGTH * 2],
        text=text,
        error=error,
        results=results,
        limit=queries.LIMIT,
        max_length=queries.MAX_QUERY_LENGTH,
    ), (400 if error else 200)
