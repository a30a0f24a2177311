"""Pages for e-mail: the outbox and jobs (programme managers), preferences, unsubscribe."""

from __future__ import annotations

from cohort.messages import bp  # noqa: F401
