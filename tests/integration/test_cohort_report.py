"""The cohort completion report (docs/rules.md §9.3): the HTML page, and every file format read
back — CSV with pandas, XLSX with openpyxl, PDF text with pypdf — showing the completion engine's
figures; formula-safe cells; names with accents and apostrophes intact; who may see it."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pandas as pd
import pypdf
import pytest
from sqlalchemy import select

from cohort.completion.queries import cohort_outcomes
from cohort.completion.service import finish
from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.enrolments.service import withdraw
from cohort.extensions import db
from cohort.models import AttendanceMark, Enrolment, MarkSource, Role
from cohort.reports import cohort_report
from tests import factories
from tests.querycount import count_queries
from tests.sessions import make_session

START = date(2026, 6, 1)  # a Monday: 12 weeks, over by the time these tests run
HOSTILE = '=HYPERLINK("http://evil.example","Click")'


def _mark(session, enrolment, mark: Mark) -> None:
    db.session.add(
        AttendanceMark(
            session_id=session.id, enrolment_id=enrolment.id, mark=mark, source=MarkSource.REGISTER
        )
    )


@pytest.fixture
def finished(world):
    """A finished cohort: Siân (MOJ) every session, skill 1 → 3 of target 3: completed; Zoë (DVLA)
    4 of 6 sessions (67 %), skill 2 → 3: not completed; a person whose name starts with "=" (MOJ),
    every session but never assessed: not completed; Ciarán (DVLA) withdrew."""
    cohort = factories.make_cohort(
        "AI Accelerator — Report test", start=START, facilitators=[world.facilitator]
    )
    cohort.require_hackathon = False
    skill = factories.make_skill("Model evaluation")
    factories.assess_skill(cohort, skill, target=3)
    siân = factories.enrol(cohort, world.participant)
    zoë = factories.enrol(cohort, world.other_participant)
    hostile = factories.enrol(cohort, factories.make_user(Role.PARTICIPANT, world.moj, full_name=HOSTILE))
    ciarán = factories.enrol(
        cohort, factories.make_user(Role.PARTICIPANT, world.dvla, full_name="Ciarán D'Arcy-Ó Floinn")
    )
    sessions = [
        make_session(cohort, START + timedelta(weeks=w, days=1), title=f"Workshop {w + 1}") for w in range(5)
    ]
    sessions.append(
        make_session(
            cohort, START + timedelta(weeks=2, days=3), kind=SessionKind.ETHICS, title="Ethics: Bias"
        )
    )
    for i, session in enumerate(sessions):
        _mark(session, siân, Mark.PRESENT)
        _mark(session, zoë, Mark.ABSENT if i in (0, 1) else Mark.PRESENT)
        _mark(session, hostile, Mark.LATE if i == 0 else Mark.PRESENT)
    factories.make_assessment(siân, skill, 1, "baseline")
    factories.make_assessment(siân, skill, 3, "final")
    factories.make_assessment(zoë, skill, 2, "baseline")
    factories.make_assessment(zoë, skill, 3, "final")
    db.session.commit()
    withdraw(world.admin, ciarán, "Moved to a new post", date(2026, 6, 20))
    finish(world.admin, cohort, datetime.now(UTC))
    return cohort


def _rows(frame: pd.DataFrame) -> dict[str, dict]:
    return {row["Participant"]: row for row in frame.to_dict("records")}


def test_report_figures_are_the_engines(finished, app):
    with app.test_request_context():
        report = cohort_report.build(finished, datetime.now(UTC))
    engine = {row.enrolment.user.full_name: row.standing for row in cohort_outcomes(finished, report.at).rows}
    rows = _rows(report.participants)
    assert set(rows) == set(engine)
    for name, standing in engine.items():
        assert rows[name]["Outcome"] == standing.outcome.label
    assert rows["Siân O'Neill"]["Outcome"] == "Completed"
    assert rows["Zoë Ng"]["Outcome"] == "Not completed"
    assert rows["Zoë Ng"]["Attendance rate"] == pytest.approx(4 / 6)
    assert (rows["Zoë Ng"]["Sessions attended"], rows["Zoë Ng"]["Sessions counted"]) == (4, 6)
    assert rows["Zoë Ng"]["Attendance rule"] == "Not met: Attendance 67% (4 of 6 sessions) — needs 80%"
    assert rows[HOSTILE]["Skills rule"] == "Not met: Skills at target 0 of 1 — needs 1"
    assert rows["Ciarán D'Arcy-Ó Floinn"]["Outcome"] == "Withdrawn"
    assert rows["Siân O'Neill"]["Mean skill uplift"] == 2
    summary = {row["Department"]: row for row in report.summary.to_dict("records")}
    # MOJ: Siân completed, the "=" person did not → 50 %; DVLA: Zoë not completed, Ciarán withdrew → 0 %.
    assert summary["Ministry of Justice"]["Completion rate"] == 0.5
    assert summary["Driver and Vehicle Licensing Agency"]["Completion rate"] == 0
    assert summary["All departments"]["Completed"] == 1
    assert summary["All departments"]["Nominated"] == 4
    assert summary["All departments"]["Completion rate"] == 0.25


def test_xlsx_has_the_sheets_frozen_headers_percentages_and_text_not_formulas(
    client, world, sign_in, finished
):
    sign_in(world.admin)
    response = client.get(f"/cohorts/{finished.slug}/report.xlsx")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="{finished.slug}-completion-report.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Summary", "Participants", "Attendance", "Skills", "Hackathons"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet["A1"].font.bold, sheet.title
    people = book["Participants"]
    headers = [c.value for c in people[1]]
    assert headers[:3] == ["Participant", "Email", "Department"]
    by_name = {row[0].value: dict(zip(headers, row, strict=False)) for row in people.iter_rows(min_row=2)}
    zoë = by_name["Zoë Ng"]
    assert zoë["Attendance rate"].value == pytest.approx(4 / 6)
    assert "%" in zoë["Attendance rate"].number_format
    assert zoë["Outcome"].value == "Not completed"
    assert isinstance(zoë["Sessions attended"].value, int)
    hostile = by_name[HOSTILE]["Participant"]
    assert hostile.data_type == "s" and hostile.value == HOSTILE  # shown as typed, never evaluated
    assert "Ciarán D'Arcy-Ó Floinn" in by_name
    assert people.column_dimensions["A"].width >= len("Ciarán D'Arcy-Ó Floinn")
    summary = book["Summary"]
    rows = {row[0].value: [c.value for c in row] for row in summary.iter_rows(min_row=2) if row[0].value}
    moj = rows["Ministry of Justice"]
    assert moj[headers_index(summary, "Completion rate")] == 0.5
    assert rows["Completion rules"][1].startswith("Attendance at least 80%")
    attendance = book["Attendance"]
    marks = [c.value for c in attendance["H"][1:]]  # the Mark column, after Participant … Mandatory
    assert attendance["H1"].value == "Mark"
    assert marks.count("Absent") == 2 and "Late" in marks
    names = {c.value for c in attendance["A"][1:]}
    assert "Ciarán D'Arcy-Ó Floinn" not in names  # withdrawn: no marks behind an outcome
    skills = book["Skills"]
    skill_rows = [[c.value for c in row] for row in skills.iter_rows(min_row=2)]
    assert [
        "Siân O'Neill",
        "Ministry of Justice",
        "Model evaluation",
        "Engineering",
        1,
        None,
        3,
        3,
        3,
        "Yes",
        2,
    ] in skill_rows


def headers_index(sheet, heading: str) -> int:
    return [c.value for c in sheet[1]].index(heading)


def test_csv_reads_back_with_pandas_and_quotes_formulas(client, world, sign_in, finished):
    sign_in(world.facilitator)
    response = client.get(f"/cohorts/{finished.slug}/report.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # a BOM, so Excel reads the accents right
    frame = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    rows = _rows(frame)
    assert set(rows) == {"Siân O'Neill", "Zoë Ng", "'" + HOSTILE, "Ciarán D'Arcy-Ó Floinn"}
    assert rows["Zoë Ng"]["Attendance rate"] == pytest.approx(0.6667)
    assert rows["Zoë Ng"]["Outcome"] == "Not completed"
    assert rows["Siân O'Neill"]["Outcome"] == "Completed"


def test_pdf_text_shows_names_outcomes_and_reasons(client, world, sign_in, finished):
    sign_in(world.admin)
    response = client.get(f"/cohorts/{finished.slug}/report.pdf")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    flat = " ".join(text.split())
    for expected in ("Completion report", "AI Accelerator — Report test", "Siân O'Neill", "Zoë Ng",
                     "Ciarán D'Arcy-Ó Floinn", "Not completed", "Completed", "Withdrawn",
                     "Attendance 67% (4 of 6 sessions) — needs 80%", "Ministry of Justice"):  # fmt: skip
        assert expected in flat, expected


def test_page_shows_the_summary_and_every_participant(client, world, sign_in, finished):
    sign_in(world.admin)
    page = client.get(f"/cohorts/{finished.slug}/report")
    assert page.status_code == 200
    text = page.text
    assert "Completion report" in text
    assert "Siân O&#39;Neill" in text and "Zoë Ng" in text
    assert "&lt;" not in HOSTILE and "=HYPERLINK(&#34;http://evil.example&#34;" in text
    assert "Attendance 67% (4 of 6 sessions) — needs 80%" in text
    assert "50%" in text  # MOJ completion rate
    for kind in ("xlsx", "csv", "pdf"):
        assert f"/cohorts/{finished.slug}/report.{kind}" in text


def test_running_cohort_report_says_not_finished(client, world, sign_in):
    sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/report")
    assert page.status_code == 200
    assert "Not finished" in page.text
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/cohorts/{world.cohort.slug}/report.xlsx").data))
    assert book.sheetnames == ["Summary", "Participants", "Attendance", "Skills", "Hackathons"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("facilitator", 200),
        ("other_facilitator", 404),
        ("sponsor", 403),
        ("participant", 403),
        ("anonymous", 302),
    ],  # fmt: skip
)
@pytest.mark.parametrize("suffix", ["", ".csv", ".xlsx", ".pdf"])
def test_who_may_see_the_cohort_report(client, world, sign_in, finished, who, status, suffix):
    user = world.other_facilitator if who == "other_facilitator" else world.by_role(who)
    if user is not None:
        sign_in(user)
    response = client.get(f"/cohorts/{finished.slug}/report{suffix}")
    assert response.status_code == status
    if status == 302:
        assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/cohorts/no-such/report", "/cohorts/no-such/report.xlsx",
                                  "/cohorts/x/report.exe", "/cohorts/%00/report.csv"])  # fmt: skip
def test_unknown_cohorts_and_kinds_are_not_found(client, world, sign_in, path):
    sign_in(world.admin)
    assert client.get(path).status_code == 404


def test_report_queries_do_not_grow_with_participants(client, world, sign_in, finished):
    sign_in(world.admin)
    sessions = list(finished_sessions(finished))
    skill = factories.make_skill("Extra skill")
    factories.assess_skill(finished, skill, target=2)
    counts = []
    for extra in (10, 90):
        for i in range(extra):
            person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
            enrolment = factories.enrol(finished, person)
            for s in sessions:
                _mark(s, enrolment, Mark.PRESENT)
            factories.make_assessment(enrolment, skill, 2)
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get(f"/cohorts/{finished.slug}/report").status_code == 200
            assert client.get(f"/cohorts/{finished.slug}/report.xlsx").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries with 10 more participants, {counts[1]} with 100"


def finished_sessions(cohort):
    from cohort.models import Session

    return db.session.scalars(select(Session).where(Session.cohort_id == cohort.id))


def test_enrolment_ids_are_the_reports_rows(finished, app):
    with app.test_request_context():
        report = cohort_report.build(finished, datetime.now(UTC))
    ids = {p.enrolment_id for p in report.data.people}
    assert ids == set(db.session.scalars(select(Enrolment.id).where(Enrolment.cohort_id == finished.id)))
