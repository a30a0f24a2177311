"""Health checks for the platform running the service (docs/operations.md, Health checks).

- /healthz: the process is alive and answering; touches nothing else (200 "ok").
- /readyz: the service can do its work: the database answers, its schema is at the
  migrations' head, and the folders it writes to are writable (200, or 503 naming the check
  that failed). No sign-in, no rate limit, no personal data, no paths.

In production, create_app also tries the database once and, if it cannot be reached, logs
one line saying where and why (password hidden) instead of a traceback per request.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask

bp = Blueprint("health", __name__)

log = logging.getLogger("cohort.health")


def init_health(app: Flask) -> None:
    from cohort.extensions import db, limiter
    from cohort.health.checks import database_problem, unreachable_message

    app.register_blueprint(bp)
    limiter.exempt(bp)
    if app.config["ENV_IS_PRODUCTION"]:
        with app.app_context():
            problem = database_problem(db.engine)
            if problem is not None:
                log.error(unreachable_message(db.engine.url, problem))
            # No connection stays open across a fork (gunicorn --preload).
            db.engine.dispose()


from cohort.health import routes  # noqa: E402,F401
