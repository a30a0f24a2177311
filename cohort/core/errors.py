"""The one shape of a service's refusal (docs/architecture.md §2.2).

A service that cannot make a change raises a subclass of `ServiceError` with a message in
words for the person and, where one form field is at fault, its name. Pages show it on that
field with `cohort.form_results.show_error`; the JSON API turns it into a problem detail.
"""

from __future__ import annotations


class ServiceError(ValueError):
    """A change that cannot be made; `field` names the form field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
