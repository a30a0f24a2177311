"""The department sponsor's dashboard (docs/rules.md §1.2): the cohorts with their department's
people, and those people's enrolments filtered by cohort, status and name, a page at a time
like the participants list. Its queries do not grow with the department (docs/architecture.md §8)."""

from __future__ import annotations

from flask import current_app, request

from cohort.cohorts.queries import cohort_rows
from cohort.models import EnrolmentStatus, User
from cohort.paging import clean_search, paginate, pagination_params
from cohort.participants.queries import enrolment_list
from cohort.policy import visible_cohorts


def sponsor(user: User):
    args = request.args
    rows = cohort_rows(visible_cohorts(user), department_id=user.department_id)
    cohorts = [(row.cohort.slug, row.cohort.name) for row in rows]
    slug = args.get("cohort", "")
    chosen = next((row.cohort for row in rows if row.cohort.slug == slug), None)
    status = args.get("status", "")
    status_value = EnrolmentStatus(status) if status in {s.value for s in EnrolmentStatus} else None
    q = clean_search(args.get("q", ""))
    query = enrolment_list(
        user,
        cohort_id=chosen.id if chosen else None,
        status=status_value,
        search=q,
        sort="cohort",
    )
    page = paginate(query, args.get("page"), current_app.config["USERS_PER_PAGE"])
    kept = {
        k: v
        for k, v in {
            "q": q,
            "cohort": chosen.slug if chosen else "",
            "status": status if status_value else "",
        }.items()
        if v
    }
    return "main/dashboard_sponsor.html", {
        "rows": rows,
        "page": page,
        "cohorts": cohorts,
        "cohort": chosen.slug if chosen else "",
        "cohort_name": chosen.name if chosen else "",
        "status": status if status_value else "",
        "statuses": list(EnrolmentStatus),
        "q": q,
        "filtered": bool(kept),
        "pagination": pagination_params(page, kept, "Pages of your department’s participants"),
    }
