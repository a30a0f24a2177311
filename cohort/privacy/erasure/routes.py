"""Pages for personal data: erasure (docs/personal-data.md)."""

from cohort.privacy.erasure import bp  # noqa: F401
