"""Erasure (docs/personal-data.md §4): the proof on the demo data. A pilot alumna with marks,
assessments, learning-log entries, a submission and a certificate is erased: every department
report and the programme overview give the same figures, a dump of every table and the reports
and uploads folders hold none of her name, e-mail or text, she cannot sign in, the audit trail
is still append-only with every event kept, and the public check says "no longer available"."""

from __future__ import annotations

import html
import io
from datetime import date, time

import openpyxl
import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError

from cohort.auth.accounts import authenticate
from cohort.demo import DEMO_PASSWORD
from cohort.demo.completion import FINISHED_COHORT_SLUG, LOW_ATTENDANCE, OVERRIDE_REASON
from cohort.domain.times import london_to_utc
from cohort.extensions import db
from cohort.models import (
    Assessment,
    AttendanceMark,
    AuditEvent,
    Certificate,
    Cohort,
    Department,
    Enrolment,
    LearningLogComment,
    Message,
    Role,
    SecondFactor,
    Session,
    SignInIdentity,
    User,
    UserSession,
)
from cohort.privacy.erasure.service import ErasureRefused, erase_person, is_erased
from cohort.reports import department as reports
from cohort.reports.files import to_csv
from tests import factories as f

NOW = london_to_utc(date(2026, 11, 25), time(10, 15))
REFLECTION = "Zephyrine reflection on gradient boosting at Quillfeather"
COMMENT = "Facilitator comment about Zephyrine work"
EVIDENCE = "Zephyrine evidence: deployed the Quillfeather model"
NOTE = "Zephyrine arrived late after a hospital appointment"
SUBMISSION = "Quillfeather triage assistant built alone by Zephyrine"
STRINGS = (REFLECTION, COMMENT, EVIDENCE, NOTE, SUBMISSION, OVERRIDE_REASON)


def _figures() -> dict[str, str]:
    """Every department report's figures and the programme overview's, as CSV text, plus their
    XLSX files read back (the names of people are in the participants tables, not compared)."""
    out: dict[str, str] = {}
    for department in db.session.scalars(select(Department).order_by(Department.code)):
        cohorts = reports.department_cohorts(department)
        report = reports.department_report(department, cohorts, NOW)
        key = department.code
        out[f"{key} cohorts"] = to_csv(report.cohorts).decode()
        out[f"{key} uplift"] = to_csv(report.uplift).decode()
        out[f"{key} ethics"] = repr(sorted(report.ethics.items()))
        out[f"{key} summary"] = repr(sorted((k, str(v)) for k, v in report.summary.items()))
        numbers = report.participants.select_dtypes(exclude=["object", "str"])
        out[f"{key} participants figures"] = numbers.to_csv(index=False)
        out[f"{key} people"] = str(len(report.participants))
        book = openpyxl.load_workbook(io.BytesIO(reports.department_xlsx(report)))
        for sheet in ("Summary", "Skills uplift"):
            if sheet in book.sheetnames:
                out[f"{key} xlsx {sheet}"] = repr(list(book[sheet].values))
    overview = reports.overview(NOW)
    out["overview by cohort"] = to_csv(overview.by_cohort).decode()
    out["overview by department"] = to_csv(overview.by_department).decode()
    book = openpyxl.load_workbook(io.BytesIO(reports.overview_xlsx(overview)))
    for sheet in book.sheetnames:
        out[f"overview xlsx {sheet}"] = repr(list(book[sheet].values))
    return out


def _dump() -> str:
    """Every table, every column, as text."""
    connection = db.session.connection()
    parts = []
    for table in inspect(connection).get_table_names():
        for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - names from the schema
            parts.append(
                " | ".join(
                    "" if v is None else (v.decode("latin-1") if isinstance(v, bytes) else str(v))
                    for v in row
                )
            )
    return "\n".join(parts)


@pytest.fixture
def alumna(app, tmp_path, seeded_demo):
    app.config["REPORTS_FOLDER"] = str(tmp_path / "reports")
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    seeded_demo(NOW)
    user = db.session.scalar(select(User).where(User.full_name == LOW_ATTENDANCE))
    pilot = db.session.scalar(select(Cohort).where(Cohort.slug == FINISHED_COHORT_SLUG))
    enrolment = f.enrolment_of(pilot, user)
    entry = f.make_log_entry(enrolment, activity="Zephyrine studied Quillfeather pipelines")
    entry.reflection = REFLECTION
    db.session.add(LearningLogComment(entry_id=entry.id, author_id=None, body=COMMENT))
    assessment = db.session.scalars(select(Assessment).where(Assessment.enrolment_id == enrolment.id)).first()
    assessment.evidence = EVIDENCE
    mark = db.session.scalars(
        select(AttendanceMark).where(AttendanceMark.enrolment_id == enrolment.id)
    ).first()
    mark.note = NOTE
    session = db.session.scalars(select(Session).where(Session.cohort_id == pilot.id)).first()
    team = f.make_team(session, [user], name="Solo team")
    submission = f.make_submission(team, title="Solo project")
    submission.summary = SUBMISSION
    db.session.add(
        SignInIdentity(
            user_id=user.id,
            provider="entra",
            issuer="https://login.example",
            subject="abc-123",
            email=user.email,
        )
    )
    db.session.add(SecondFactor(user_id=user.id, secret="JBSWY3DPEHPK3PXP"))
    db.session.commit()
    f.session_token_for(user)
    reports_folder = tmp_path / "reports" / FINISHED_COHORT_SLUG
    reports_folder.mkdir(parents=True)
    (reports_folder / "participants.csv").write_text(f"name,email\n{user.full_name},{user.email}\n")
    (reports_folder / "other.csv").write_text("name\nSomeone else\n")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "nominations.csv").write_text(f"{user.email},{user.full_name}\n")
    db.session.commit()
    return user


def test_erasure_keeps_every_figure_and_leaves_no_trace(app, client, alumna, tmp_path):
    user = alumna
    name, email, user_id = user.full_name, user.email, user.id
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    certificate = db.session.scalar(
        select(Certificate)
        .join(Enrolment)
        .where(Enrolment.user_id == user_id, Certificate.revoked_at.is_(None))
    )
    assert certificate is not None
    assert name in _dump() and REFLECTION in _dump()
    before = _figures()
    event_ids = set(db.session.scalars(select(AuditEvent.id)))
    db.session.commit()

    result = erase_person(user, reason="Erasure request ER-2026-001", actor=admin)

    assert result.counts["learning_log_comments"] == 1
    assert _figures() == before
    dump = _dump().lower()
    for needle in (name, html.escape(name), email, *STRINGS):
        assert needle.lower() not in dump, needle
    for path in (tmp_path / "reports").rglob("*"):
        if path.is_file():
            assert name not in path.read_text() and email not in path.read_text()
    assert (tmp_path / "reports" / FINISHED_COHORT_SLUG / "other.csv").exists()
    assert not (tmp_path / "uploads" / "nominations.csv").exists()

    # The audit trail: every event kept, one more for the erasure (and the rewrite's own).
    after_ids = set(db.session.scalars(select(AuditEvent.id)))
    assert event_ids < after_ids
    new = db.session.scalars(select(AuditEvent).where(AuditEvent.id.not_in(event_ids))).all()
    assert sorted(e.action for e in new) == ["allow_audit_rewrite", "erase"]
    erased_event = next(e for e in new if e.action == "erase")
    assert erased_event.entity_id == user_id and erased_event.after["reason"] == "Erasure request ER-2026-001"
    db.session.commit()
    with pytest.raises(DBAPIError):
        db.session.execute(
            text("UPDATE audit_events SET summary = 'x' WHERE id = :id"), {"id": min(after_ids)}
        )
    db.session.rollback()
    with pytest.raises(DBAPIError):
        db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": min(after_ids)})
    db.session.rollback()

    # Signing in as her is impossible: by password, old or tombstone address, or single sign-on.
    erased = db.session.get(User, user_id)
    assert (
        erased.full_name == f"Erased person #E-{user_id}"
        and erased.email == f"erased-{user_id}@erased.invalid"
    )
    assert not erased.is_active_account and erased.password_hash is None
    assert authenticate(email, DEMO_PASSWORD, None).user is None
    assert authenticate(erased.email, DEMO_PASSWORD, None).user is None
    for model in (SignInIdentity, SecondFactor, UserSession):
        assert db.session.scalar(select(func.count()).select_from(model).where(model.user_id == user_id)) == 0
    assert is_erased(erased)

    page = client.get(f"/certificates/check?code={certificate.code}")
    assert "This certificate is no longer available" in page.get_data(as_text=True)
    assert name not in page.get_data(as_text=True)


def test_messages_naming_her_lose_her_name(app, alumna):
    user = alumna
    other = db.session.scalar(select(User).where(User.role == Role.FACILITATOR))
    db.session.add(
        Message(
            key="k-1",
            kind="note",
            recipient_id=other.id,
            to_address=other.email,
            subject=f"About {user.full_name}",
            body_text=f"{user.full_name} missed a session",
            body_html=f"<p>{html.escape(user.full_name)} missed</p>",
        )  # fmt: skip
    )
    db.session.add(
        Message(
            key="k-2",
            kind="note",
            recipient_id=user.id,
            to_address=user.email,
            subject="Your certificate",
            body_text="Hello",
            body_html="<p>Hello</p>",
        )  # fmt: skip
    )
    db.session.commit()
    admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).order_by(User.id))
    erase_person(user, reason="Erasure request ER-2026-002", actor=admin)
    to_other = db.session.scalar(select(Message).where(Message.key == "k-1"))
    assert "O'Brien" not in to_other.subject + to_other.body_text and "O&#39;Brien" not in to_other.body_html
    assert to_other.to_address == other.email
    to_her = db.session.scalar(select(Message).where(Message.key == "k-2"))
    assert to_her.to_address.endswith("@erased.invalid") and "Hello" not in to_her.body_text


def test_refused_while_enrolled_in_a_running_cohort(app, world):
    with pytest.raises(ErasureRefused, match="Withdraw them from AI Accelerator — Cohort 1 first"):
        erase_person(world.participant, reason="Request", actor=world.admin)
    assert not is_erased(world.participant)
    assert db.session.get(User, world.participant.id).full_name == "Siân O'Neill"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_refused_without_a_good_reason(app, world, reason):
    with pytest.raises(ErasureRefused):
        erase_person(world.sponsor, reason=reason, actor=world.admin)
    assert not is_erased(world.sponsor)


def test_refused_for_yourself_the_last_programme_manager_and_twice(app, world):
    with pytest.raises(ErasureRefused, match="your own"):
        erase_person(world.admin, reason="Request", actor=world.admin)
    with pytest.raises(ErasureRefused, match="last active programme manager"):
        erase_person(world.admin, reason="Request", actor=None)
    erase_person(world.sponsor, reason="Request", actor=world.admin)
    with pytest.raises(ErasureRefused, match="already been erased"):
        erase_person(world.sponsor, reason="Request", actor=world.admin)
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "erase"))
        == 1
    )
