"""Subject access export requests (docs/personal-data.md §2): asked for, built by a job,
downloaded once by the person who asked, deleted 7 days after they were built."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from cohort.core.audit import record
from cohort.extensions import db
from cohort.jobs import after_commit
from cohort.models import User
from cohort.models.base import utcnow
from cohort.models.privacy_exports import DataExport, ExportState
from cohort.privacy.export.certificates import certificate_pdfs
from cohort.privacy.register import personal_data_register
from cohort.privacy.subject import rows_about

KEPT_FOR = timedelta(days=7)
STUCK_AFTER = timedelta(days=1)


def _person_columns(table: str) -> set[str]:
    cols = db.metadata.tables[table].c
    return {c.name for c in cols if any(fk.column.table.name == "users" for fk in c.foreign_keys)} | (
        {"id"} if table == "users" else set()
    )


def build_zip_for(user: User) -> bytes:
    """The person's ZIP (docs/personal-data.md §2): a JSON and CSV file per table in the register,
    README.txt, their certificates' PDFs."""
    from cohort.privacy.export import builder

    found = rows_about(user)
    referenced: set[int] = set()
    for table, rows in found.items():
        columns = _person_columns(table)
        for row in rows:
            referenced.update(v for k, v in row._mapping.items() if k in columns and isinstance(v, int))
    referenced.discard(user.id)
    others = db.session.execute(select(User.id, User.full_name, User.email, User.role)).all()
    roles = {o.id: o.role.value for o in others if o.id in referenced}
    words = {}
    for other in others:
        if other.id != user.id:
            label = builder.ROLE_WORDS.get(other.role.value, "Another person")
            words[other.full_name] = label
            words[other.email] = label
    scrub = builder.make_scrubber([user.full_name, user.email], words)
    records = {
        table: builder.records_for(
            table, [r._mapping for r in rows], user.id, roles, _person_columns(table), scrub
        )
        for table, rows in found.items()
    }
    entries: dict[str, tuple[str, str]] = {}
    for entry in personal_data_register():
        entries.setdefault(entry.table, (entry.description or entry.table, entry.purpose))
    pdfs = certificate_pdfs(user)
    text = builder.readme(user.full_name, entries, {t: len(r) for t, r in records.items()}, list(pdfs))
    return builder.build_zip(records, text, pdfs)


def _current(requester: User, subject: User, key: str):
    """The export being prepared for this pair, or one ready and not yet downloaded: asking
    again while either exists gives that one (docs/personal-data.md §2)."""
    ready = and_(
        DataExport.requested_by_id == requester.id,
        DataExport.subject_id == subject.id,
        DataExport.state == ExportState.READY,
        DataExport.expires_at > utcnow(),
    )
    return (
        select(DataExport)
        .where(or_(DataExport.in_progress == key, ready))
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def request_export(requester: User, subject: User) -> tuple[DataExport, bool]:
    """The export being prepared for this requester and person, or a new one (True when new).
    The unique in_progress key makes 8 requests at once end as one export."""
    key = f"{requester.id}:{subject.id}"
    existing = db.session.scalar(_current(requester, subject, key))
    if existing is not None:
        return existing, False
    export = DataExport(requested_by_id=requester.id, subject_id=subject.id, in_progress=key)
    db.session.add(export)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(_current(requester, subject, key))
        if existing is None:
            raise
        return existing, False
    record(requester, "request_export", export, f"Asked for a copy of {subject.full_name}'s data")
    from cohort.privacy.export.jobs import build_data_export

    after_commit(build_data_export, export.id)
    db.session.commit()
    return export, True


def build(export_id: int) -> None:
    export = db.session.get(DataExport, export_id)
    if export is None or export.state != ExportState.BUILDING:
        return
    try:
        content = build_zip_for(export.subject)
    except Exception:
        db.session.rollback()
        db.session.execute(
            update(DataExport)
            .where(DataExport.id == export_id)
            .values(state=ExportState.FAILED, in_progress=None)
        )
        db.session.commit()
        raise
    now = utcnow()
    db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.state == ExportState.BUILDING)
        .values(
            state=ExportState.READY,
            in_progress=None,
            content=content,
            size=len(content),
            built_at=now,
            expires_at=now + KEPT_FOR,
        )
    )
    db.session.commit()


def take_download(export: DataExport, requester: User) -> bytes | None:
    """The ZIP, once: the conditional UPDATE lets exactly one of many simultaneous downloads
    have it; the others (and any later one) get None."""
    export_id = export.id
    now = utcnow()
    result = db.session.execute(
        update(DataExport)
        .where(
            DataExport.id == export_id,
            DataExport.requested_by_id == requester.id,
            DataExport.state == ExportState.READY,
            DataExport.expires_at > now,
        )
        .values(state=ExportState.DOWNLOADED, downloaded_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return None
    content = db.session.scalar(select(DataExport.content).where(DataExport.id == export_id))
    db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id)
        .values(content=None)
        .execution_options(synchronize_session=False)
    )
    fresh = db.session.get(DataExport, export_id)
    if fresh is not None:
        who = fresh.subject.full_name
        record(requester, "download_export", fresh, f"Downloaded a copy of {who}'s data")
    db.session.commit()
    return content


def forget_old_exports() -> dict[str, int]:
    """Delete the ZIPs 7 days after they were built; mark failed those building for a day."""
    now = utcnow()
    deleted = db.session.execute(
        update(DataExport)
        .where(DataExport.built_at <= now - KEPT_FOR, DataExport.state != ExportState.EXPIRED)
        .values(state=ExportState.EXPIRED, content=None)
    )
    stuck = db.session.execute(
        update(DataExport)
        .where(DataExport.state == ExportState.BUILDING, DataExport.requested_at <= now - STUCK_AFTER)
        .values(state=ExportState.FAILED, in_progress=None)
    )
    db.session.commit()
    return {"deleted": deleted.rowcount, "failed": stuck.rowcount}  # type: ignore[attr-defined]


def shown_state(export: DataExport) -> ExportState:
    if export.state == ExportState.READY and export.expires_at and export.expires_at <= utcnow():
        return ExportState.EXPIRED
    return export.state
