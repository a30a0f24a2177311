"""Every template filter and global, registered in one place (docs/architecture.md §9).

How figures, words and dates are written lives in `cohort.domain.formatting` (plain Python,
so the rules and reports use it too); this module only hands those functions, and the few
look-ups pages need, to Jinja. `init_filters` is called once, by create_app. A feature that
needs a new filter or global adds it here, not with `@bp.app_template_filter` in its routes.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from cohort.domain.formatting import (
    LONDON,
    clock_time,
    date_time,
    decimal1,
    long_date,
    long_day,
    missing,
    noun,
    percent,
    plural,
    reason_under,
    time_range,
    whole_percent,
)

__all__ = [
    "LONDON",
    "date_time",
    "decimal1",
    "init_filters",
    "long_date",
    "missing",
    "reason_under",
    "share",
]


def share(value: Any, empty: str = "–") -> str:
    """A share from 0 to 1 as a whole percentage rounded half up, as docs/rules.md §3.4 shows
    rates: 0.795 → "80%". Missing → `empty`. (The `share` filter: `cohort.domain.formatting.percent`.)"""
    return percent(value, empty)


def link_urls(line: str):
    """A line of a message's text with its addresses as links, for the outbox pages."""
    from cohort.messages.compose import linked

    return linked(line, style=False)


def init_filters(app: Flask) -> None:
    """Register every template filter and global (called once, from create_app)."""
    # Here, not at the top: the services and feature modules import this module's names.
    from cohort.api import tokens as api_tokens
    from cohort.auth import oidc
    from cohort.auth.second_factor_routes import second_factor_summary
    from cohort.core.closed import closed_notice
    from cohort.domain.progress import level_label, signed
    from cohort.models.hackathons import CRITERIA_LABELS
    from cohort.privacy.erasure.service import erasure_of
    from cohort.records.service import valid_certificate
    from cohort.security import csp_nonce

    filters: dict[str, Any] = {
        # figures and words (cohort.domain.formatting)
        "share": share,
        "whole_percent": whole_percent,
        "decimal1": decimal1,
        "signed": signed,
        "plural": plural,
        "noun": noun,
        "reason_under": reason_under,
        # dates and times, in London (cohort.domain.formatting)
        "long_date": long_date,
        "date_time": date_time,
        "long_day": long_day,
        "clock_time": clock_time,
        "time_range": time_range,
        # messages: the outbox pages
        "link_urls": link_urls,
    }
    template_globals: dict[str, Any] = {
        "csp_nonce": csp_nonce,
        "closed_notice": closed_notice,
        "cohort_is_closed": lambda cohort: cohort.status.closed,
        "skill_level": level_label,
        "criteria_labels": lambda: CRITERIA_LABELS,
        "certificate_for": valid_certificate,
        "erasure_of_user": erasure_of,
        "second_factor_summary": second_factor_summary,
        "single_sign_on_providers": oidc.providers,
        "single_sign_on_identities": oidc.identities_of,
        "single_sign_on_provider_name": oidc.provider_name,
        "api_token_live": api_tokens.is_live,
        "api_token_holder": api_tokens.may_hold_tokens,
    }
    app.jinja_env.filters.update(filters)
    app.jinja_env.globals.update(template_globals)
