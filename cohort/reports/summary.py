"""Programme-wide figures kept between requests (docs/architecture.md §10, reports pipeline).

The figures are the completion engine's, worked out by `department.build_overview` exactly as
before (docs/rules.md §9.1): nothing here applies a rule. What this module adds is knowing when
they are still right, so the admin dashboard and /reports need not run the engine for every
enrolment on every view:

- Data: every write that could change a figure changes the `report_versions` row's stamp in the
  same transaction (`_bump`, hooked on every session's commit). A figure kept for one stamp is
  used only while the database holds that stamp. Tables that hold no figure (audit trail, sign-in
  and security records, messages, job runs, stored PDFs, exports) do not change it.
- Time: outcomes also change as time passes, but only at a session's end (it starts to count)
  and at midnight, London time (register deadlines, docs/rules.md §3.2; the programme's last
  day, §5.2). A figure worked out for a moment is used up to the next of those, never after.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession

from cohort.domain.times import london_date, london_to_utc
from cohort.models import Session
from cohort.models.report_version import ReportVersion

# Tables whose rows never change a figure: writing them keeps the stamp.
UNRELATED = frozenset(
    {
        "report_versions", "report_pdfs", "audit_events", "api_tokens", "messages", "email_preferences",
        "job_runs", "check_in_attempts", "sign_in_attempts", "user_sessions", "sign_in_identities",
        "second_factors", "recovery_codes", "learning_log_entries", "learning_log_comments",
        "calendar_feeds", "data_exports", "retention_runs", "erasures", "certificates",
    }
)  # fmt: skip
_FLAG = "report_figures_changed"


def _changes_figures(instances) -> bool:
    return any(getattr(i, "__tablename__", None) not in UNRELATED for i in instances)


@event.listens_for(OrmSession, "after_flush")
def _after_flush(session: OrmSession, _context) -> None:
    if _changes_figures(session.new) or _changes_figures(session.dirty) or _changes_figures(session.deleted):
        session.info[_FLAG] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _bulk_statement(state) -> None:
    """`session.execute(update(Model)…)` and the like: no flush sees them."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is None or table.name not in UNRELATED:
            state.session.info[_FLAG] = True


@event.listens_for(OrmSession, "before_commit")
def _before_commit(session: OrmSession) -> None:
    session.flush()  # commit flushes after this hook: see what it will write first
    if session.info.pop(_FLAG, False):
        _bump(session)


@event.listens_for(OrmSession, "after_soft_rollback")
def _after_rollback(session: OrmSession, _previous) -> None:
    session.info.pop(_FLAG, None)


_has_table: set[int] = set()  # engines known to have report_versions (older schemas do not)


def _bump(session: OrmSession) -> None:
    connection = session.connection()
    engine = connection.engine
    if id(engine) not in _has_table:
        if not inspect(connection).has_table(ReportVersion.__tablename__):
            return  # a database before migration 0017: nothing is kept for it either (`stamp`)
        _has_table.add(id(engine))
    values = {"stamp": uuid.uuid4().hex}
    # The row is last in the transaction: taken only at its end, so writers wait briefly.
    changed = connection.execute(
        text("UPDATE report_versions SET version = version + 1, stamp = :stamp WHERE id = 1"), values
    ).rowcount
    if not changed:  # the first write ever (or since the tables were emptied)
        connection.execute(
            text(
                "INSERT INTO report_versions (id, version, stamp) VALUES (1, 1, :stamp) ON CONFLICT (id) DO NOTHING"
            ),
            values,
        )
        connection.execute(
            text("UPDATE report_versions SET version = version + 1, stamp = :stamp WHERE id = 1"), values
        )


def stamp(session: OrmSession) -> str | None:
    """The data's current stamp; None: nothing can be kept (no row yet, or an older schema)."""
    try:
        return session.scalar(select(ReportVersion.stamp).where(ReportVersion.id == 1))
    except Exception:  # noqa: BLE001 - a database before migration 0017
        session.rollback()
        return None


def next_change(session: OrmSession, at: datetime) -> datetime:
    """The first moment after `at` at which figures could change with no write: the next end of
    a session, or the next midnight in London. One query."""
    midnight = london_to_utc(london_date(at) + timedelta(days=1), datetime.min.time())
    ends = session.scalar(select(func.min(Session.ends_at)).where(Session.ends_at > at))
    return min(midnight, ends) if ends is not None else midnight


@dataclass
class _Kept:
    stamp: str
    since: datetime
    until: datetime
    value: Any


_kept: dict[tuple, _Kept] = {}
_lock = threading.Lock()


def kept(session: OrmSession, key: tuple, at: datetime, work_out):
    """`work_out(at)`'s answer, from memory while the data's stamp is the same and `at` lies
    between the moment it was worked out for and the next change in time; else worked out now."""
    current = stamp(session)
    if current is None:
        return work_out(at)
    bind: Engine | Any = session.get_bind()
    full_key = (str(getattr(bind, "url", bind)), *key)
    with _lock:
        found = _kept.get(full_key)
    if found is not None and found.stamp == current and found.since <= at < found.until:
        return found.value
    value = work_out(at)
    entry = _Kept(current, at, next_change(session, at), value)
    with _lock:
        _kept[full_key] = entry
    return value


def forget() -> None:
    """Drop everything kept (tests, and the CLI after a bulk load), the standings too."""
    from . import programme

    with _lock:
        _kept.clear()
    programme.forget()
