"""Pages for personal data: export (docs/personal-data.md)."""

from cohort.privacy.export import bp  # noqa: F401
