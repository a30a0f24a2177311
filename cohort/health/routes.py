"""/healthz and /readyz (docs/operations.md, Health checks)."""

from __future__ import annotations

import logging

from flask import Response, current_app, jsonify

from cohort.extensions import db
from cohort.health import bp
from cohort.health.checks import is_unreachable, readiness, reason, unreachable_message

log = logging.getLogger("cohort.health")


@bp.get("/healthz")
def healthz():
    """Alive: the process answers. Nothing else is touched, so a slow database never gets
    a healthy process restarted."""
    return Response("ok", mimetype="text/plain")


@bp.get("/readyz")
def readyz():
    ready, checks, database_error = readiness(current_app, db.engine)
    _log_change(ready, checks, database_error)
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return jsonify(body), (200 if ready else 503)


def _log_change(ready: bool, checks: dict[str, str], database_error) -> None:
    """Probes come every few seconds: a line when readiness changes, DEBUG otherwise."""
    state = current_app.extensions.setdefault("cohort.health", {})
    previous, state["ready"] = state.get("ready"), ready
    if ready:
        log.log(logging.INFO if previous is False else logging.DEBUG, "ready")
        return
    failing = ", ".join(f"{name}: {result}" for name, result in checks.items() if result != "ok")
    if previous is False:
        log.debug("not ready (%s)", failing)
        return
    log.warning("not ready (%s)", failing)
    if database_error is not None:
        if is_unreachable(database_error):
            log.error(unreachable_message(db.engine.url, database_error))
        else:
            log.error("Database check failed: %s", reason(database_error))
