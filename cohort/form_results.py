"""What a page does with its form after a service call (docs/architecture.md §2.1).

Every page answers the same way: a refusal from a service is shown on the form field it
names (else on the page's main field), a form with errors is answered 400, a change that
crossed someone else's is answered 409, and anything else 200.
"""

from __future__ import annotations

from typing import Any

from cohort.core.errors import ServiceError


def show_error(form: Any, error: ServiceError, default: str) -> None:
    """Add the refusal's message to the field it names, or to `default` if the form has no
    such field (the person still reads it, by the field they were filling in)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None or not hasattr(field, "errors"):
        field = getattr(form, default)
    field.errors = [*list(field.errors or []), str(error)]


def page_status(form: Any, *, conflict: bool = False) -> int:
    """409 when the page shows a conflicting change, 400 when the form has errors, else 200."""
    if conflict:
        return 409
    return 400 if form.errors else 200
