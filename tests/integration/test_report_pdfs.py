"""Report PDFs printed by a job and kept until their figures change (docs/messages.md, Report PDFs).

Jobs run as soon as they are queued in the test suite, so the first request for a PDF already
finds it printed; the "preparing" page is seen by stopping the queue (`_queue` does nothing) or
by a build that fails. Builds are counted by wrapping the functions that print.
"""

from __future__ import annotations

import io
import threading
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, update

from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.models import AttendanceMark, Enrolment, MarkSource, Role
from cohort.models.base import utcnow
from cohort.models.reports import PdfState, ReportPdf
from cohort.reports import cohort_report, stored_pdfs
from cohort.reports import department as department_reports
from cohort.reports.jobs import build_report_pdf
from tests import factories
from tests.integration.test_concurrent_edits import threads_app  # noqa: F401 - the threads' app
from tests.sessions import make_session

URL = "/departments/MOJ/report.pdf"


@pytest.fixture
def builds(monkeypatch):
    """How many PDFs were printed, by kind; and a switch that makes printing fail."""
    counts = {"department": 0, "cohort": 0}
    lock = threading.Lock()
    state = SimpleNamespace(counts=counts, failing=False)

    def counted(kind, real):
        def wrapper(*args, **kwargs):
            with lock:
                counts[kind] += 1
            if state.failing:
                raise RuntimeError("the printer is on fire")
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(
        department_reports, "department_pdf", counted("department", department_reports.department_pdf)
    )
    monkeypatch.setattr(cohort_report, "to_pdf", counted("cohort", cohort_report.to_pdf))
    return state


@pytest.fixture
def workshop(world):
    """A workshop the world cohort held (it started on 7 September 2026), register not taken."""
    session = make_session(world.cohort, date(2026, 9, 8), title="Workshop: prompts")
    db.session.commit()
    return session


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _rows() -> list[ReportPdf]:
    db.session.expire_all()
    rows = list(db.session.scalars(select(ReportPdf).order_by(ReportPdf.id)))
    for row in rows:
        db.session.expunge(row)  # read as they are now, never refreshed
    # Outside a request every SQLite transaction holds the write lock (docs/decisions/0002-sqlite-begin-immediate.md):
    # the test's must be over before the job writes.
    db.session.commit()
    return rows


def _stop_the_queue(monkeypatch) -> list[int]:
    queued: list[int] = []
    monkeypatch.setattr(stored_pdfs, "_queue", queued.append)
    return queued


def test_first_request_prints_the_pdf_and_later_ones_get_the_same_file(
    client, world, sign_in, workshop, builds
):
    sign_in(world.sponsor)
    first = client.get(URL)
    assert first.status_code == 200
    assert first.headers["Content-Disposition"] == 'attachment; filename="department-MOJ.pdf"'
    assert first.headers["Cache-Control"] == "no-store"
    text = _text(first.data)
    assert "Ministry of Justice: outcome report" in text
    assert "Siân O" in text and "Zoë Ng" not in text  # MOJ's participant only, not DVLA's

    second = client.get(URL)
    sign_in(world.admin)
    third = client.get(URL)
    assert second.status_code == third.status_code == 200
    assert second.data == third.data == first.data
    assert builds.counts["department"] == 1  # printed once, then served from the store
    [row] = _rows()
    assert (row.kind, row.subject, row.state, row.attempts) == (
        "department",
        f"{world.moj.id}:all",
        PdfState.READY,
        1,
    )
    assert row.build_seconds is not None and row.content == first.data


def test_a_new_attendance_mark_makes_a_new_pdf_and_the_old_one_goes(client, world, sign_in, workshop, builds):
    sign_in(world.sponsor)
    before = client.get(URL)
    [old] = _rows()
    old_fingerprint = old.fingerprint
    assert "0%" in _text(before.data)  # absent from the one workshop: no register yet

    enrolment_id = db.session.scalar(
        select(Enrolment.id).where(
            Enrolment.user_id == world.participant.id, Enrolment.cohort_id == world.cohort.id
        )
    )
    db.session.add(AttendanceMark(session_id=workshop.id, enrolment_id=enrolment_id, mark=Mark.PRESENT,
                                  source=MarkSource.REGISTER, recorded_by_id=world.facilitator.id))  # fmt: skip
    db.session.commit()

    after = client.get(URL)
    assert after.status_code == 200
    assert builds.counts["department"] == 2
    assert "100%" in _text(after.data)
    [new] = _rows()  # the PDF of figures that no longer hold is deleted
    assert new.fingerprint != old_fingerprint and new.state is PdfState.READY
    assert client.get(URL).data == after.data and builds.counts["department"] == 2


def test_one_cohort_and_all_cohorts_are_stored_apart(client, world, sign_in, workshop, builds):
    sign_in(world.sponsor)
    every = client.get(URL)
    one = client.get(f"{URL}?cohort={world.cohort.slug}")
    assert every.status_code == one.status_code == 200
    slug = world.cohort.slug
    assert one.headers["Content-Disposition"] == f'attachment; filename="department-MOJ-{slug}.pdf"'
    assert {r.subject for r in _rows()} == {f"{world.moj.id}:all", f"{world.moj.id}:{world.cohort.id}"}
    assert builds.counts["department"] == 2


def test_cohort_completion_report_pdf(client, world, sign_in, workshop, builds):
    sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/report.pdf"
    response = client.get(url)
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="{world.cohort.slug}-completion-report.pdf"'
    )
    text = _text(response.data)
    assert "Completion report" in text and world.cohort.name in text and "Zoë Ng" in text
    assert client.get(url).data == response.data and builds.counts["cohort"] == 1
    page = client.get(f"/cohorts/{world.cohort.slug}/report")
    assert f'href="{url}"' in page.text and "download>Printable" not in page.text


def test_preparing_page_while_the_job_waits_then_the_download(
    client, world, sign_in, workshop, builds, monkeypatch
):
    queued = _stop_the_queue(monkeypatch)
    sign_in(world.sponsor)
    waiting = client.get(URL)
    assert waiting.status_code == 202
    assert waiting.headers["Retry-After"] == "5" and waiting.headers["Cache-Control"] == "no-store"
    assert (
        "Preparing your PDF" in waiting.text
        and "Outcome report – Ministry of Justice – All cohorts" in waiting.text
    )
    assert "takes a few seconds" in waiting.text
    # Nothing moves the reader on by itself: "Check again" asks (and a script, in a live region).
    assert "http-equiv" not in waiting.text and "Check again" in waiting.text
    assert f'href="{URL}?waiting=1"' in waiting.text and 'aria-live="polite"' in waiting.text
    [row] = _rows()
    assert queued == [row.id] and row.state is PdfState.BUILDING

    # More people asking meanwhile queue nothing more.
    sign_in(world.admin)
    assert client.get(f"{URL}?waiting=1").status_code == 202
    assert queued == [row.id] and len(_rows()) == 1 and builds.counts["department"] == 0

    build_report_pdf.call_local(row.id)  # the worker's turn
    ready = client.get(f"{URL}?waiting=1")
    assert ready.status_code == 200
    assert "Your PDF is ready" in ready.text and "http-equiv" not in ready.text
    assert f'href="{URL}"' in ready.text
    download = client.get(URL)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert builds.counts["department"] == 1


def test_the_job_run_twice_prints_once(app, world, workshop, builds, monkeypatch, client, sign_in):
    _stop_the_queue(monkeypatch)
    sign_in(world.sponsor)
    client.get(URL)
    [row] = _rows()
    build_report_pdf.call_local(row.id)
    build_report_pdf.call_local(row.id)  # a retry, or a second worker: finds it printed
    assert _rows()[0].state is PdfState.READY
    assert builds.counts["department"] == 1


def test_a_failed_build_offers_try_again(client, world, sign_in, workshop, builds):
    builds.failing = True
    sign_in(world.sponsor)
    # The job's first attempt fails here; huey would try twice more, 10 and 20 s later.
    first = client.get(URL)
    assert first.status_code == 202
    [row] = _rows()
    assert row.state is PdfState.BUILDING and "the printer is on fire" in row.error
    db.session.commit()
    with pytest.raises(RuntimeError):
        build_report_pdf.call_local(row.id)  # the last attempt (no task: no retries left) fails too
    assert _rows()[0].state is PdfState.FAILED

    failed = client.get(URL)
    assert failed.status_code == 200
    assert "Your PDF could not be made" in failed.text and "Try again" in failed.text
    assert f'action="{URL}/try-again"' in failed.text
    assert "the printer is on fire" not in failed.text  # the error is for Admin → Jobs, not this page

    builds.failing = False
    again = client.post(f"{URL}/try-again")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"{URL}?waiting=1")
    assert client.get(f"{URL}?waiting=1").status_code == 200  # "Your PDF is ready"
    assert client.get(URL).data.startswith(b"%PDF")
    assert _rows()[0].state is PdfState.READY and builds.counts["department"] == 3


def test_try_again_when_nothing_failed_changes_nothing(client, world, sign_in, workshop, builds):
    sign_in(world.sponsor)
    client.get(URL)
    response = client.post(f"{URL}/try-again")
    assert response.status_code == 302
    assert builds.counts["department"] == 1 and _rows()[0].state is PdfState.READY


def test_a_stalled_build_is_queued_again(client, world, sign_in, workshop, builds, monkeypatch):
    queued = _stop_the_queue(monkeypatch)
    sign_in(world.sponsor)
    client.get(URL)
    [row] = _rows()
    long_ago = utcnow() - stored_pdfs.STALLED_AFTER - timedelta(seconds=1)
    db.session.execute(update(ReportPdf).where(ReportPdf.id == row.id).values(requested_at=long_ago))
    db.session.commit()
    assert client.get(URL).status_code == 202
    assert queued == [row.id, row.id]  # once at first, once more when it had stalled
    assert client.get(URL).status_code == 202 and len(queued) == 2  # not again: it is fresh


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("other_sponsor", URL, 404),  # DVLA's sponsor: MOJ's report is not confirmed to exist
        ("other_sponsor", f"{URL}/try-again", 404),
        ("participant", URL, 403),
        ("facilitator", f"{URL}/try-again", 403),
        ("other_facilitator", "/cohorts/{slug}/report.pdf", 404),  # not their cohort
        ("other_facilitator", "/cohorts/{slug}/report.pdf/try-again", 404),
        ("sponsor", "/cohorts/{slug}/report.pdf", 403),
        (None, URL, 302),
    ],
)
def test_who_may_ask_for_a_pdf(client, world, sign_in, builds, who, path, status):
    sign_in(getattr(world, who) if who else None)
    url = path.format(slug=world.cohort.slug)
    response = client.post(url) if url.endswith("try-again") else client.get(url)
    assert response.status_code == status
    assert _rows() == [] and builds.counts == {"department": 0, "cohort": 0}


def test_unknown_cohort_in_the_department_pdf_is_not_found(client, world, sign_in, builds):
    sign_in(world.sponsor)
    assert client.get(f"{URL}?cohort=no-such-cohort").status_code == 404
    assert _rows() == []


def test_the_cli_still_prints_in_line_and_stores_nothing(app, world, workshop, tmp_path, builds):
    result = app.test_cli_runner().invoke(args=["build-reports", "--cohort", world.cohort.slug,
                                                "--department", "MOJ", "--out", str(tmp_path)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / world.cohort.slug / "department-MOJ.pdf").read_bytes().startswith(b"%PDF")
    assert builds.counts["department"] == 1 and _rows() == []


# Eight people at once ------------------------------------------------------------------------

THREADS = 8


def test_eight_people_asking_at_once_get_one_build(threads_app, world, workshop, builds):  # noqa: F811
    sponsors = [world.sponsor] + [factories.make_user(Role.SPONSOR, world.moj) for _ in range(3)]
    admins = [world.admin] + [factories.make_user(Role.ADMIN) for _ in range(3)]
    people = [
        SimpleNamespace(id=p.id, session_token=factories.session_token_for(p)) for p in sponsors + admins
    ]
    db.session.commit()  # and no transaction of the test's open while the threads ask
    barrier = threading.Barrier(THREADS)
    answers: list[tuple[int, bytes]] = []
    problems: list[str] = []
    lock = threading.Lock()

    def ask(person):
        try:
            client = threads_app.test_client()
            factories.sign_in_as(client, person)
            barrier.wait(timeout=60)
            response = client.get(URL)
            with lock:
                answers.append((response.status_code, response.data[:4]))
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                problems.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=ask, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert problems == []
    assert len(answers) == THREADS
    assert {status for status, _ in answers} <= {200, 202}, answers
    assert all(head == b"%PDF" for status, head in answers if status == 200)
    assert builds.counts["department"] == 1
    assert db.session.scalar(select(func.count()).select_from(ReportPdf)) == 1
    assert _rows()[0].state is PdfState.READY
