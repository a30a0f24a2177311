"""Pages for personal data: retention (docs/personal-data.md)."""

from cohort.privacy.retention import bp  # noqa: F401
