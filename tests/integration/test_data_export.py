"""Subject access export (docs/personal-data.md §2): complete, nothing of anyone else, downloaded
once by the person who asked, expired after 7 days, one export at a time under concurrency."""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from cohort import create_app
from cohort.core.audit import record
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    EnrolmentStatus,
    LearningLogComment,
    MarkSource,
    Message,
    Role,
    SignInAttempt,
    User,
)
from cohort.models.privacy_exports import DataExport, ExportState
from cohort.privacy.export.service import build_zip_for, forget_old_exports
from cohort.privacy.register import personal_data_register
from cohort.privacy.subject import rows_about
from cohort.records import service as records
from tests import factories as f
from tests.conftest import TEMPLATE_CACHE, IsolatedClient
from tests.sessions import make_session

ANN = {"name": "Ann Lee", "email": "ann.lee@justice.gov.uk"}
ANNE = {"name": "Anne Leigh", "email": "anne.leigh@justice.gov.uk"}


def _fill(person: User, cohort, session, facilitator, tag: str):
    enrolment = f.enrolment_of(cohort, person)
    enrolment.status = EnrolmentStatus.COMPLETED
    db.session.add(
        AttendanceMark(
            session_id=session.id,
            enrolment_id=enrolment.id,
            mark="present",
            note=f"{tag} attendance note",
            source=MarkSource.REGISTER,
            recorded_by_id=facilitator.id,
        )
    )
    skill = f.make_skill(f"{tag} skill")
    assessment = f.make_assessment(enrolment, skill, 2, source="self")
    assessment.evidence = f"{tag} evidence of pipelines"
    entry = f.make_log_entry(enrolment, activity=f"{tag} activity")
    entry.reflection = f"{tag} reflection on boosting"
    db.session.flush()
    db.session.add(LearningLogComment(entry_id=entry.id, author_id=facilitator.id, body=f"Comment for {tag}"))
    db.session.add(SignInAttempt(email=person.email, succeeded=True, ip_address="192.0.2.7"))
    db.session.add(
        Message(
            key=f"test-{tag}",
            kind="test",
            recipient_id=person.id,
            to_address=person.email,
            subject=f"Hello {person.full_name}",
            body_text=f"{tag} message body",
            body_html=f"<p>{tag} message body</p>",
        )
    )
    f.session_token_for(person)
    record(facilitator, "update", enrolment, f"{tag} audit about {person.full_name}")
    db.session.flush()
    records.issue(None, enrolment, datetime.now(UTC))
    return enrolment


@pytest.fixture
def pair(world):
    """Ann Lee and Anne Leigh: same cohort, same team, both with everything."""
    ann = f.make_user(Role.PARTICIPANT, world.moj, email=ANN["email"], full_name=ANN["name"])
    anne = f.make_user(Role.PARTICIPANT, world.moj, email=ANNE["email"], full_name=ANNE["name"])
    f.enrol(world.cohort, ann)
    f.enrol(world.cohort, anne)
    session = make_session(world.cohort, title="Workshop")
    _fill(ann, world.cohort, session, world.facilitator, "Annval")
    _fill(anne, world.cohort, session, world.facilitator, "Leighval")
    hackathon = f.make_hackathon(world.cohort, days_from_today=-3)
    team = f.make_team(hackathon, [ann, anne], name="Leighval team")
    submission = f.make_submission(team, title="Joint project")
    submission.submitted_by_id = anne.id
    judge = f.make_user(Role.FACILITATOR, full_name="Judith Judge")
    f.make_judge(hackathon, judge)
    f.make_score(submission, judge, comment="Strong on responsible AI")
    record(ann, "update", team, "Ann changed the team with Anne Leigh")
    db.session.commit()
    return ann, anne


def _files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _text_of(name: str, data: bytes) -> str:
    if name.endswith(".pdf"):
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return data.decode("utf-8-sig")


def test_export_has_every_row_about_her_and_nothing_of_anyone_else(app, pair, world):
    ann, anne = pair
    found = rows_about(ann)
    content = build_zip_for(ann)
    files = _files(content)

    assert "README.txt" in files
    assert set(found) == {entry.table for entry in personal_data_register()}
    for table, rows in found.items():
        exported = json.loads(files[f"{table}.json"])
        with_id = [r for r in rows if "id" in r._mapping]
        assert len(exported) == len(rows), table
        assert {r._mapping["id"] for r in with_id} == {e["id"] for e in exported if "id" in e}, table
        table_csv = list(csv.DictReader(io.StringIO(files[f"{table}.csv"].decode("utf-8-sig"))))
        assert len(table_csv) == len(rows), table
        assert table in files["README.txt"].decode()
    for table in ("enrolments", "attendance_marks", "assessments", "learning_log_entries", "certificates"):
        assert found[table], table
    for table in ("learning_log_comments", "submissions", "scores", "sign_in_attempts", "messages"):
        assert found[table], table
    assert [n for n in files if n.startswith("certificates/") and n.endswith(".pdf")]

    everything = "\n".join(_text_of(name, data) for name, data in files.items())
    assert "Ann Lee" in everything and "Annval reflection on boosting" in everything
    assert "Strong on responsible AI" in everything  # the judge's comment about her team's work
    for needle in (ANNE["name"], ANNE["email"], "Leighval", world.facilitator.full_name, "Judith Judge"):
        assert needle.lower() not in everything.lower(), needle
    for name, data in files.items():  # and not in the raw bytes either (compressed PDFs aside)
        if not name.endswith(".pdf"):
            assert b"Anne Leigh" not in data and b"anne.leigh" not in data, name
    scores = json.loads(files["scores.json"])
    assert scores[0]["judge_id"] == "A judge"
    submissions = json.loads(files["submissions.json"])
    assert submissions[0]["submitted_by_id"] == "Another team member"
    assert all("password_hash" not in row for row in json.loads(files["users.json"]))
    assert all("token_digest" not in row for row in json.loads(files["user_sessions.json"]))
    audit = json.loads(files["audit_events.json"])
    assert any(e["summary"] == "Ann changed the team with Another participant" for e in audit)


def test_csv_copies_are_formula_safe(app, pair):
    ann, _ = pair
    ann.job_title = '=HYPERLINK("https://example.com")'
    db.session.commit()
    files = _files(build_zip_for(ann))
    users = list(csv.DictReader(io.StringIO(files["users.csv"].decode("utf-8-sig"))))
    assert users[0]["job_title"].startswith("'=")
    assert json.loads(files["users.json"])[0]["job_title"].startswith("=")


def test_participant_downloads_her_data_once(app, client, pair, sign_in):
    ann, anne = pair
    sign_in(ann)
    page = client.get("/account")
    assert "Download your data" in page.get_data(as_text=True)
    page = client.get("/account/your-data")
    assert page.status_code == 200 and "Download your data" in page.get_data(as_text=True)
    response = client.post("/account/your-data")
    assert response.status_code == 302
    status_url = response.headers["Location"]
    page = client.get(status_url).get_data(as_text=True)
    assert "Download (ZIP," in page and "KB)" in page
    export = db.session.scalar(select(DataExport))
    assert client.get(f"/data-exports/{export.id}/download").status_code == 405
    download = client.post(f"/data-exports/{export.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "README.txt" in _files(download.data)
    again = client.post(f"/data-exports/{export.id}/download")
    assert again.status_code == 302
    assert "already been downloaded" in client.get(status_url).get_data(as_text=True)
    actions = [
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "DataExport"))
    ]
    assert actions == ["request_export", "download_export"]
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).content is None


def test_nobody_else_sees_or_downloads_it(app, client, pair, world, sign_in):
    ann, anne = pair
    sign_in(ann)
    client.post("/account/your-data")
    export = db.session.scalar(select(DataExport))
    for other in (anne, world.admin, world.facilitator, world.sponsor):
        sign_in(other)
        assert client.get(f"/data-exports/{export.id}").status_code == 404
        assert client.post(f"/data-exports/{export.id}/download").status_code == 404
    assert client.get("/data-exports/999999").status_code == 404
    assert client.get("/data-exports/99999999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).state == ExportState.READY


def test_programme_manager_downloads_their_data(app, client, pair, world, sign_in):
    ann, _ = pair
    sign_in(world.admin)
    page = client.get(f"/admin/users/{ann.id}").get_data(as_text=True)
    assert "Download their data" in page
    page = client.get(f"/admin/users/{ann.id}/their-data").get_data(as_text=True)
    assert "Download Ann Lee’s data" in page
    status = client.post(f"/admin/users/{ann.id}/their-data")
    assert "A copy of Ann Lee’s data" in client.get(status.headers["Location"]).get_data(as_text=True)
    export = db.session.scalar(select(DataExport))
    assert export.requested_by_id == world.admin.id and export.subject_id == ann.id
    assert client.get("/admin/users/999999/their-data").status_code == 404


def test_export_expires_seven_days_after_it_was_built(app, client, pair, sign_in):
    ann, _ = pair
    sign_in(ann)
    client.post("/account/your-data")
    export = db.session.scalar(select(DataExport))
    with time_machine.travel(datetime.now(UTC) + timedelta(days=7, minutes=1)):
        sign_in(ann)
        assert "has expired" in client.get(f"/data-exports/{export.id}").get_data(as_text=True)
        assert client.post(f"/data-exports/{export.id}/download").status_code == 302
        assert forget_old_exports()["deleted"] == 1
    db.session.expire_all()
    gone = db.session.get(DataExport, export.id)
    assert gone.state == ExportState.EXPIRED and gone.content is None


def test_stuck_exports_are_marked_failed(app, pair):
    ann, _ = pair
    db.session.add(DataExport(requested_by_id=ann.id, subject_id=ann.id, in_progress=f"{ann.id}:{ann.id}"))
    db.session.commit()
    with time_machine.travel(datetime.now(UTC) + timedelta(days=1, minutes=1)):
        assert forget_old_exports()["failed"] == 1


def test_command_line_export(app, pair, tmp_path):
    ann, anne = pair
    out = tmp_path / "ann.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["personal-data", "export", "--email", ANN["email"], "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(_files(out.read_bytes())["users.json"])[0]["full_name"] == "Ann Lee"
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export_data")).one()
    assert event.actor_id is None and event.entity_id == ann.id
    result = runner.invoke(args=["personal-data", "export", "--email", "nobody@x.gov.uk", "--out", str(out)])
    assert result.exit_code == 1 and "No one has the e-mail address nobody@x.gov.uk" in result.output


THREADS = 8


@pytest.fixture
def threads_app(database_url):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SERVER_NAME": "localhost",
            "SQLITE_BUSY_TIMEOUT_MS": 30_000,
        }
    )
    app.test_client_class = IsolatedClient
    app.jinja_env.bytecode_cache = TEMPLATE_CACHE
    yield app
    with app.app_context():
        db.engine.dispose()


def _together(threads_app, token: str, method: str, url: str) -> list[tuple[int, bytes]]:
    barrier = threading.Barrier(THREADS)
    results: list[tuple[int, bytes]] = []

    def run():
        client = threads_app.test_client()
        f.sign_in_as(client, token)
        barrier.wait()
        response = client.open(url, method=method)
        results.append((response.status_code, response.data))

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_eight_downloads_at_once_give_the_file_once(app, threads_app, client, pair, sign_in):
    ann, _ = pair
    sign_in(ann)
    client.post("/account/your-data")
    export_id = db.session.scalar(select(DataExport.id))
    token = f.session_token_for(ann)
    db.session.commit()
    results = _together(threads_app, token, "POST", f"/data-exports/{export_id}/download")
    assert sorted(code for code, _ in results) == [200] + [302] * (THREADS - 1)
    assert sum(1 for _, data in results if data.startswith(b"PK")) == 1


def test_eight_requests_at_once_make_one_export(app, threads_app, pair):
    ann, _ = pair
    threads_app.config["JOBS_IMMEDIATE"] = True
    token = f.session_token_for(ann)
    db.session.commit()
    results = _together(threads_app, token, "POST", "/account/your-data")
    assert sorted(code for code, _ in results) == [302] * THREADS
    db.session.expire_all()
    assert len(db.session.scalars(select(DataExport)).all()) == 1
