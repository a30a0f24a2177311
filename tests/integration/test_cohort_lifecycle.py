"""A cohort's life by the calendar (docs/rules.md §2.3): what a programme manager sees on its page
at each stage and the next step it leads with; the statuses the edit page offers; finishing a
cohort that has no sessions (§5.2, §5.6); applying the standard programme a second time only
after a confirmation of its own (§2.5), also with eight people pressing at once; and a finished
cohort's certificates on its outcomes page, one by one or as a ZIP (§10.1)."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    AuditEvent,
    Certificate,
    Cohort,
    CohortStatus,
    Enrolment,
    EnrolmentStatus,
    Role,
    Session,
)
from cohort.records.codes import new_code as issue_code
from tests import factories
from tests.integration.test_cohorts import _as_posted
from tests.integration.test_completion_pages import pilot  # noqa: F401 - the fixture
from tests.integration.test_concurrent_edits import threads_app  # noqa: F401 - the fixture
from tests.querycount import count_queries
from tests.sessions import make_session

TODAY = london_date(datetime.now(UTC))
THIS_MONDAY = TODAY - timedelta(days=TODAY.weekday())


def _text(html: str) -> str:
    """The page's words, as a person reads them."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _cohort(name: str, start: date, *, facilitators=(), status=CohortStatus.RUNNING) -> Cohort:
    return factories.make_cohort(name, start=start, facilitators=list(facilitators), status=status)


def _page(client, cohort: Cohort) -> str:
    response = client.get(f"/cohorts/{cohort.slug}")
    assert response.status_code == 200
    return response.text


def _next_step(html: str) -> str:
    """The words of the page's "Next step" block, or "" when it has none."""
    found = re.search(
        r'<div class="app-next-step.*?</div>\s*</div>|<div class="app-next-step.*?</div>', html, re.S
    )
    return _text(found.group(0)) if found else ""


# The cohort page at each stage ------------------------------------------------------------------


def test_a_new_cohort_leads_with_the_standard_programme(client, world, sign_in):
    new = _cohort("AI Accelerator — Cohort 9", THIS_MONDAY + timedelta(weeks=6), status=CohortStatus.PLANNED)
    db.session.commit()
    sign_in(world.admin)
    html = _page(client, new)
    step = _next_step(html)
    assert "Next step" in step and "This cohort has no sessions yet" in step
    assert f'href="/cohorts/{new.slug}/schedule/standard"' in html
    assert "Apply the standard programme" in step
    text = _text(html)
    assert "Stage Planned Starts " in text
    assert "Edit cohort" in text


def test_then_nominations_then_facilitators(client, world, sign_in):
    cohort = _cohort("AI Accelerator — Cohort 8", THIS_MONDAY + timedelta(weeks=6), status=CohortStatus.OPEN)
    make_session(cohort)
    db.session.commit()
    sign_in(world.admin)
    step = _next_step(_page(client, cohort))
    assert (
        "Nobody holds a place yet" in step and "Import nominations" in step and "Enrol a participant" in step
    )
    factories.enrol(cohort, world.participant)
    db.session.commit()
    step = _next_step(_page(client, cohort))
    assert "No facilitators are assigned" in step and "Add facilitators" in step
    cohort.facilitators = [world.facilitator]
    db.session.commit()
    assert _next_step(_page(client, cohort)) == ""  # set up: nothing to lead with


def test_a_running_cohort_shows_running_and_its_changes(client, world, sign_in):
    running = _cohort(
        "AI Accelerator — Running", THIS_MONDAY - timedelta(weeks=3), facilitators=[world.facilitator]
    )
    factories.enrol(running, world.participant)
    make_session(running, THIS_MONDAY + timedelta(weeks=2, days=1))
    db.session.commit()
    sign_in(world.admin)
    html = _page(client, running)
    text = _text(html)
    assert "Stage Running Starts " in text
    assert _next_step(html) == ""
    for action in ("Edit cohort", "Record assessments", "Enrol a participant", "Import nominations"):
        assert action in text, action
    assert "This cohort finished" not in text


def test_an_ended_cohort_waits_to_be_finished(client, world, sign_in):
    """Its last day three weeks ago, stored as running: it reads ended, not running."""
    start = THIS_MONDAY - timedelta(weeks=15)
    ended = _cohort("AI Accelerator — Ended", start, facilitators=[world.facilitator])
    factories.enrol(ended, world.participant)
    make_session(ended, ended.end_date)
    db.session.commit()
    sign_in(world.admin)
    html = _page(client, ended)
    text = _text(html)
    assert "Stage Ended — waiting to be finished Starts " in text
    step = _next_step(html)
    assert "Finish this cohort" in step and "Review the outcomes" in step
    assert f'href="/cohorts/{ended.slug}/finish"' in html
    outcomes = _text(client.get(f"/cohorts/{ended.slug}/outcomes").text)
    assert "still running" not in outcomes and "Ended — waiting to be finished" in outcomes
    # The list of cohorts and the dashboard show the same stage.
    for url in ("/cohorts/", "/dashboard"):
        listed = _text(client.get(url).text)
        assert f"{ended.name} {ended.start_date.day}" in listed
        row = listed[listed.index(ended.name) :][:120]
        assert "Ended — waiting to be finished" in row, (url, row)


def test_a_finished_cohort_reads_as_a_record(client, world, sign_in, pilot):  # noqa: F811
    sign_in(world.admin)
    assert client.post(f"/cohorts/{pilot.slug}/finish").status_code == 302
    html = _page(client, pilot)
    text = _text(html)
    assert "This cohort finished on 21 August 2026." in text
    assert f"Its outcomes were recorded on {TODAY.day} " in text
    assert "Stage Finished" in text
    for gone in ("Edit cohort", "Record assessments", "Enrol a participant", "Import nominations", "At risk"):
        assert gone not in text, gone
    step = _next_step(html)
    assert "Archive this cohort" in step
    assert "who completed and who did not" in text
    # The reasons on its outcomes page read in the past, without repeating their rule's name.
    outcomes = _text(client.get(f"/cohorts/{pilot.slug}/outcomes").text)
    assert "so far" not in outcomes
    assert "Attendance: Attendance" not in outcomes
    assert "Mandatory sessions: every one attended or caught up" in outcomes
    # Facilitators lose the assessment grids too.
    sign_in(world.facilitator)
    assert "Record assessments" not in _text(_page(client, pilot))


def test_an_archived_cohort_has_no_next_step(client, world, sign_in, pilot):  # noqa: F811
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    edit = client.get(f"/cohorts/{pilot.slug}/edit").text
    assert re.findall(r'<option value="(\w+)"', edit) == ["finished", "archived"]
    data = _as_posted(db.session.get(Cohort, pilot.id), status="archived")
    assert client.post(f"/cohorts/{pilot.slug}/edit", data=data).status_code == 302
    html = _page(client, pilot)
    text = _text(html)
    assert "This cohort finished on 21 August 2026 and is archived." in text
    assert "Stage Archived" in text
    assert _next_step(html) == ""
    assert "Edit cohort" not in text


def test_the_edit_page_offers_only_the_statuses_allowed_now(client, world, sign_in):
    sign_in(world.admin)
    html = client.get(f"/cohorts/{world.cohort.slug}/edit").text
    assert re.findall(r'<option value="(\w+)"', html) == ["planned", "open", "running", "archived"]
    assert f'href="/cohorts/{world.cohort.slug}/finish"' in html
    assert "finish this cohort" in _text(html)
    new = client.get("/cohorts/new").text
    assert "finished" not in re.findall(r'<option value="(\w+)"', new)


# Finishing a cohort with no sessions ---------------------------------------------------------------


def test_a_cohort_with_no_sessions_is_finished_once_its_last_day_has_passed(client, world, sign_in):
    empty = _cohort("AI Accelerator — Never timetabled", THIS_MONDAY - timedelta(weeks=14))
    factories.enrol(empty, world.participant)
    waiting = _cohort("AI Accelerator — Not over", THIS_MONDAY - timedelta(weeks=2))
    factories.enrol(waiting, world.participant)
    db.session.commit()
    sign_in(world.admin)

    assert "Ended — waiting to be finished" in _text(_page(client, empty))
    page = client.get(f"/cohorts/{empty.slug}/finish")
    assert "You cannot undo finishing a cohort" in page.text
    done = client.post(f"/cohorts/{empty.slug}/finish", follow_redirects=True)
    assert "is finished: 0 completed, 1 not completed" in done.text
    db.session.expire_all()
    assert db.session.get(Cohort, empty.id).status == CohortStatus.FINISHED
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.cohort_id == empty.id))
    assert enrolment.status == EnrolmentStatus.NOT_COMPLETED  # nothing counted fails 80 % (§5.3)

    # Its last day not yet come: refused, saying when it can be.
    assert "it has no sessions, so it can be finished from the day after" in _text(
        client.get(f"/cohorts/{waiting.slug}/finish").text
    )
    refused = client.post(f"/cohorts/{waiting.slug}/finish", follow_redirects=True)
    assert "has no sessions: it can be finished from the day after its last day" in refused.text
    assert db.session.get(Cohort, waiting.id).status == CohortStatus.RUNNING


# The standard programme a second time -------------------------------------------------------------


def _sessions(cohort_id: int) -> int:
    return db.session.scalar(select(func.count(Session.id)).where(Session.cohort_id == cohort_id))


def test_applying_the_programme_again_needs_its_own_confirmation(client, world, sign_in):
    sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/schedule/standard"
    assert client.post(url).status_code == 302
    assert _sessions(world.cohort.id) == 19

    page = client.get(url)
    text = _text(page.text)
    assert text.index("This cohort already has 19 sessions") < text.index("The plan: 19 sessions")
    assert "Yes, add 19 more sessions beside the 19 it already has" in text
    assert 'name="existing" type="hidden" value="19"' in page.text or 'value="19"' in page.text

    for data, message in (
        ({}, "This cohort already has 19 sessions: tick the box"),
        ({"confirm": "y"}, "This cohort already has 19 sessions: tick the box"),
        ({"add_beside": "y"}, "The cohort now has 19 sessions: its timetable changed"),
        ({"add_beside": "y", "existing": "18"}, "The cohort now has 19 sessions, not 18"),
        ({"add_beside": "y", "existing": "nineteen"}, "The cohort now has 19 sessions"),
    ):
        refused = client.post(url, data=data)
        assert refused.status_code == 400, data
        assert "There is a problem" in refused.text
        assert message in refused.text, data
        assert _sessions(world.cohort.id) == 19

    assert client.post(url, data={"existing": "19", "add_beside": "y"}).status_code == 302
    assert _sessions(world.cohort.id) == 38
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "standard-programme")).all()
    assert len(events) == 2 and events[-1].actor_id == world.admin.id


@pytest.mark.parametrize("already", [0, 19])
def test_eight_people_pressing_apply_at_once_add_one_set(app, threads_app, world, already):  # noqa: F811
    """Each presses with what their page showed (`already` sessions, and the second box ticked when
    there were some): the first adds 19, the others are asked again."""
    if already:
        from cohort.schedule.service.programme import apply_standard_programme

        apply_standard_programme(world.admin, world.cohort, confirmed=True)
    admins = [factories.make_user(Role.ADMIN, full_name=f"Manager {n}") for n in range(8)]
    people = [SimpleNamespace(session_token=factories.session_token_for(a)) for a in admins]
    url = f"/cohorts/{world.cohort.slug}/schedule/standard"
    cohort_id = world.cohort.id
    db.session.commit()  # this test's own transaction ends: on SQLite it would hold the write lock
    data = {"existing": str(already), "add_beside": "y"} if already else {}
    barrier = threading.Barrier(8)
    statuses: list[int | str] = []
    lock = threading.Lock()

    def press(n: int) -> None:
        try:
            client = threads_app.test_client()
            factories.sign_in_as(client, people[n])
            barrier.wait(timeout=60)
            status: int | str = client.post(url, data=data).status_code
        except Exception as error:  # noqa: BLE001 - counted, and the test fails on it
            status = f"{type(error).__name__}: {error}"
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    db.session.expire_all()
    assert sorted(statuses, key=str) == [302] + [400] * 7, statuses
    assert _sessions(cohort_id) == already + 19
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.action == "standard-programme")
    ) == (2 if already else 1)


# Certificates on the outcomes page ----------------------------------------------------------------


def _finished(client, sign_in, world, pilot) -> Certificate:  # noqa: F811
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    [certificate] = db.session.scalars(select(Certificate)).all()  # Siân completed; Zoë did not
    return certificate


def test_the_outcomes_page_lists_the_certificates(client, world, sign_in, pilot):  # noqa: F811
    certificate = _finished(client, sign_in, world, pilot)
    html = client.get(f"/cohorts/{pilot.slug}/outcomes").text
    text = _text(html)
    assert "Certificates" in text and "1 person has a certificate" in text
    assert "Siân O'Neill" in text or "Siân O&#39;Neill" in html
    assert certificate.display_code in text
    assert f'href="/enrolments/{certificate.enrolment_id}/certificate.pdf"' in html
    assert f'href="/cohorts/{pilot.slug}/certificates.zip"' in html
    assert "Download all certificates (ZIP, 1 PDF)" in text
    # The DVLA sponsor has nobody with a certificate; the MOJ sponsor has Siân.
    sign_in(world.other_sponsor)
    assert "Nobody from your department has a certificate" in _text(
        client.get(f"/cohorts/{pilot.slug}/outcomes").text
    )
    sign_in(world.sponsor)
    assert certificate.display_code in client.get(f"/cohorts/{pilot.slug}/outcomes").text


def test_a_running_cohorts_outcomes_page_has_no_certificates(client, world, sign_in):
    sign_in(world.admin)
    text = _text(client.get(f"/cohorts/{world.cohort.slug}/outcomes").text)
    assert "Certificates" not in text and "ZIP" not in text


def _zip(response) -> dict[str, bytes]:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_every_certificate_as_one_zip(client, world, sign_in, pilot):  # noqa: F811
    certificate = _finished(client, sign_in, world, pilot)
    url = f"/cohorts/{pilot.slug}/certificates.zip"
    response = client.get(url)
    assert f'filename="certificates-{pilot.slug}.zip"' in response.headers["Content-Disposition"]
    files = _zip(response)
    assert list(files) == [f"certificate-{pilot.slug}-sian-oneill.pdf"]
    pdf = files[f"certificate-{pilot.slug}-sian-oneill.pdf"]
    assert pdf.startswith(b"%PDF")
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Siân O" in words and certificate.display_code in words
    # The same PDF as the one-by-one download.
    single = client.get(f"/enrolments/{certificate.enrolment_id}/certificate.pdf")
    assert single.status_code == 200 and single.data[:4] == b"%PDF"

    # The cohort's facilitator and the MOJ sponsor may have it; the DVLA sponsor has nobody in it.
    for who, code in (
        (world.facilitator, 200),
        (world.sponsor, 200),
        (world.other_sponsor, 404),
        (world.other_facilitator, 404),  # not their cohort
        (world.participant, 403),
    ):
        sign_in(who)
        assert client.get(url).status_code == code, who.full_name


def test_no_zip_before_finishing_nor_for_an_unknown_cohort(client, world, sign_in, pilot):  # noqa: F811
    sign_in(world.admin)
    assert client.get(f"/cohorts/{pilot.slug}/certificates.zip").status_code == 404  # ended, not finished
    assert client.get("/cohorts/no-such-cohort/certificates.zip").status_code == 404
    client.get(f"/cohorts/{pilot.slug}/certificates.zip")
    client.post(f"/cohorts/{pilot.slug}/finish")
    assert client.get(f"/cohorts/{pilot.slug}/certificates.zip").status_code == 200


def _completers(cohort: Cohort, world, n: int) -> None:
    """n more people recorded as completed, each with a certificate (as finishing leaves them)."""
    for _ in range(n):
        person = factories.make_user(Role.PARTICIPANT, world.moj)
        enrolment = factories.enrol(cohort, person, EnrolmentStatus.COMPLETED)
        db.session.add(Certificate(enrolment_id=enrolment.id, code=issue_code()))
    db.session.commit()


@pytest.mark.parametrize("role", ["admin", "sponsor"])
def test_a_finished_cohorts_pages_send_as_many_queries_for_10_completers_as_for_100(
    client, world, sign_in, role
):
    finished = _cohort(
        "AI Accelerator — Finished", THIS_MONDAY - timedelta(weeks=20), status=CohortStatus.FINISHED
    )
    finished.facilitators = [world.facilitator]
    db.session.commit()
    sign_in(world.by_role(role))
    counts: dict[str, list[int]] = {"page": [], "outcomes": []}
    for extra in (10, 90):
        _completers(finished, world, extra)
        for name, url in (
            ("page", f"/cohorts/{finished.slug}"),
            ("outcomes", f"/cohorts/{finished.slug}/outcomes"),
        ):
            with count_queries(db.engine) as queries:
                response = client.get(url)
                assert response.status_code == 200
            counts[name].append(len(queries))
        assert f"{10 if extra == 10 else 100} people have certificates" in _text(response.text)
    for name, (small, large) in counts.items():
        assert small == large, f"{name}: {small} queries for 10 completers, {large} for 100"
