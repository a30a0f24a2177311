"""Department outcome reports and the programme overview (docs/rules.md §9.4, §9.5): every format read back
(HTML, XLSX with openpyxl, PDF text with pypdf) against figures worked out here from the test's
own data, who may see which department, hostile parameters, and constant queries."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import AttendanceMark, CohortStatus, EnrolmentStatus, MarkSource, Role
from tests import factories
from tests.querycount import count_queries
from tests.sessions import make_session

PILOT_START = date(2026, 6, 1)  # a Monday; its last day is Friday 21 August 2026
SIAN = "Siân O'Connor-Ní Bhriain"


@pytest.fixture
def pilot(world):
    """A finished cohort with three MOJ people (Siân and Ben attend all five sessions and reach
    the skill target; Cai attends 2 of 5, misses the ethics module and stays below target) and
    one DVLA person who must never appear in MOJ's report. Plus, in the running world cohort, an
    MOJ challenge with a submission (hackathon_world)."""
    cohort = factories.make_cohort("AI Accelerator — Pilot", start=PILOT_START, status=CohortStatus.FINISHED,
                                   facilitators=[world.facilitator])  # fmt: skip
    skill = factories.make_skill("Python and software engineering")
    factories.assess_skill(cohort, skill, target=2)
    people = {
        name: factories.enrol(cohort, factories.make_user(Role.PARTICIPANT, dept, full_name=name))
        for name, dept in ((SIAN, world.moj), ("Ben Adeyemi", world.moj), ("Cai Morgan", world.moj),
                           ("Dafydd DVLA", world.dvla))
    }  # fmt: skip
    sessions = [
        make_session(cohort, PILOT_START + timedelta(weeks=w, days=1), title=f"Workshop {w + 1}")
        for w in range(4)
    ]
    sessions.append(make_session(cohort, PILOT_START + timedelta(weeks=4, days=3), kind=SessionKind.ETHICS,
                                 title="Ethics: Bias and fairness"))  # fmt: skip
    attended = {SIAN: 5, "Ben Adeyemi": 5, "Cai Morgan": 2, "Dafydd DVLA": 5}
    for name, enrolment in people.items():
        for i, session in enumerate(sessions):
            db.session.add(AttendanceMark(session_id=session.id, enrolment_id=enrolment.id,
                                          mark=Mark.PRESENT if i < attended[name] else Mark.ABSENT,
                                          source=MarkSource.REGISTER, recorded_by_id=world.facilitator.id))  # fmt: skip
    for name, (base, final) in {SIAN: (1, 3), "Ben Adeyemi": (1, 3), "Cai Morgan": (0, 1),
                                "Dafydd DVLA": (0, 4)}.items():  # fmt: skip
        factories.make_assessment(people[name], skill, base, "baseline")
        factories.make_assessment(people[name], skill, final, "final")
    factories.hackathon_world(world)  # "Backlog forecaster" on an MOJ challenge, in world.cohort
    db.session.commit()
    return cohort


def _xlsx(response):
    return load_workbook(io.BytesIO(response.data))


def _rows(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    rows = []
    for row in values[1:]:
        if not any(v is not None for v in row):
            break  # the notes start after an empty row
        rows.append(dict(zip(header, row, strict=False)))
    return rows


def _text(response) -> str:
    """The page's words, without tags, entities or extra spaces."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


# The page ------------------------------------------------------------------------------------


def test_admin_page_shows_the_figures_charts_and_people(client, world, sign_in, pilot):
    sign_in(world.admin)
    response = client.get("/departments/moj/report")  # any case
    assert response.status_code == 200
    text = _text(response)
    assert "Ministry of Justice" in text and "Outcome report" in text
    # Headline: 4 nominated (3 in the pilot, Siân O'Neill in the running cohort), 2 completed,
    # completion rate over the finished pilot only: 2 of 3 = 67 %.
    assert "Nominated 4" in text and "Completed 2" in text and "Completion rate 67%" in text
    assert "Not finished yet" in text  # the running cohort's row
    assert SIAN in text and "Cai Morgan" in text and "Dafydd DVLA" not in text and "Zoë Ng" not in text
    assert "Not completed" in text and "Attendance 40%" in text
    # Ethics: Siân and Ben of the pilot's three did the module; the running cohort has none yet.
    assert "Ethics strand completed 67% (2 of 3 people)" in text
    # Charts: an image with a short alt, the sentence, and the table behind it.
    assert 'alt="Bar chart of outcomes by cohort for Ministry of Justice' in response.text
    assert "data:image/png;base64," in response.text
    assert "AI Accelerator — Pilot: 2 completed, 1 not completed" in text
    assert (
        "Mean skill uplift for 1 skill" in text and "Largest: Python and software engineering (+1.7)" in text
    )
    assert "Figures behind the chart" in text
    assert "Backlog forecaster" in text and "Reducing the Crown Court backlog" in text
    assert '<option value="' + pilot.slug + '"' in response.text


def test_one_cohort(client, world, sign_in, pilot):
    sign_in(world.admin)
    text = _text(client.get(f"/departments/MOJ/report?cohort={pilot.slug}"))
    assert "Nominated 3" in text and "Completion rate 67%" in text
    assert "Backlog forecaster" not in text  # a project of the other cohort
    assert "Siân O'Neill" not in text
    running = _text(client.get(f"/departments/MOJ/report?cohort={world.cohort.slug}"))
    assert "Completion rate Not finished yet" in running and "Nominated 1" in running


# Downloads -----------------------------------------------------------------------------------


def test_xlsx_has_the_sheets_and_figures(client, world, sign_in, pilot):
    sign_in(world.admin)
    response = client.get("/departments/MOJ/report.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="department-MOJ.xlsx"'
    book = _xlsx(response)
    assert book.sheetnames == ["Summary", "Skills uplift", "Projects", "Participants"]
    summary = _rows(book["Summary"])
    assert [r["Cohort"] for r in summary] == [
        "AI Accelerator — Pilot",
        "AI Accelerator — Cohort 1",
        "All cohorts",
    ]
    first = summary[0]
    assert (first["Nominated"], first["Completed"], first["Not completed"]) == (3, 2, 1)
    assert first["Completion rate"] == pytest.approx(2 / 3)
    assert first["Mean attendance"] == pytest.approx((1 + 1 + 0.4) / 3)
    assert first["Mean skill uplift"] == pytest.approx((2 + 2 + 1) / 3)
    assert summary[1]["Completion rate"] is None  # running
    assert summary[2]["Completion rate"] == pytest.approx(2 / 3) and summary[2]["Nominated"] == 4
    header = [c.value for c in book["Summary"][1]]
    rate_cell = book["Summary"].cell(row=2, column=header.index("Completion rate") + 1)
    assert "%" in rate_cell.number_format
    notes = {
        row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0] and row[1] is not None
    }
    assert notes["Department"] == "Ministry of Justice (MOJ)" and notes["Scope"] == "All cohorts"
    assert "Generated at" in notes and notes["Ethics strand completed"] == pytest.approx(2 / 3)

    skills = _rows(book["Skills uplift"])
    assert skills == [{"Skill": "Python and software engineering", "People assessed": 3,
                       "Mean baseline": pytest.approx(2 / 3), "Mean latest": pytest.approx(7 / 3),
                       "Mean uplift": pytest.approx(5 / 3)}]  # fmt: skip
    projects = _rows(book["Projects"])
    assert [(p["Challenge"], p["Submission"], p["Team"]) for p in projects] == [
        ("Reducing the Crown Court backlog", "Backlog forecaster", "Alpha")
    ]
    people = {r["Participant"]: r for r in _rows(book["Participants"])}
    assert set(people) == {SIAN, "Ben Adeyemi", "Cai Morgan", "Siân O'Neill"}
    assert people[SIAN]["Outcome"] == "Completed" and people["Cai Morgan"]["Outcome"] == "Not completed"
    assert people["Cai Morgan"]["Attendance rate"] == pytest.approx(0.4)
    assert people[SIAN]["Skills at target"] == 1 and people[SIAN]["Skills assessed"] == 1
    assert people["Cai Morgan"]["Attendance rule"].startswith("Not met")


def test_xlsx_for_one_cohort_is_named_after_it(client, world, sign_in, pilot):
    sign_in(world.admin)
    response = client.get(f"/departments/moj/report.xlsx?cohort={pilot.slug}")
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="department-MOJ-{pilot.slug}.xlsx"'
    )
    assert [r["Cohort"] for r in _rows(_xlsx(response)["Summary"])] == ["AI Accelerator — Pilot"]


def test_pdf_has_names_outcomes_and_the_charts_text(client, world, sign_in, pilot):
    sign_in(world.sponsor)
    response = client.get("/departments/MOJ/report.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="department-MOJ.pdf"'
    assert response.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Ministry of Justice: outcome report" in text
    assert "Ni Bhriain" in text.replace("Ní", "Ni") and "Siân O" in text  # names wrap in table cells
    assert "Completed" in text and "Not completed" in text
    assert "Outcomes of the 4 people Ministry of Justice nominated, by cohort" in text
    assert "Mean skill uplift for 1 skill" in text
    assert "67%" in text
    assert len(reader.pages[0].images) + sum(len(p.images) for p in reader.pages[1:]) >= 2  # both charts


def test_long_pdf_lists_the_people_needing_attention_and_says_where_everyone_is(
    client, world, sign_in, pilot, monkeypatch
):
    """Past PRINT_PEOPLE people (and PRINT_COHORTS cohorts) the PDF lists those not completed or
    at risk and says the spreadsheet has everyone: a 126-page PDF helps nobody."""
    from cohort.reports import department

    monkeypatch.setattr(department, "PRINT_PEOPLE", 2)
    monkeypatch.setattr(department, "PRINT_COHORTS", 1)
    sign_in(world.admin)
    response = client.get("/departments/MOJ/report.pdf")
    assert response.status_code == 200
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "4 people in all. Listed here: 1 of the 1 at risk or not completed" in text
    assert "Cai Morgan" in text  # not completed: listed
    assert "Ben Adeyemi" not in text  # completed: in the spreadsheet only
    assert "The 1 most recent of 2 cohorts, and all of them together" in text
    book = _xlsx(client.get("/departments/MOJ/report.xlsx"))
    assert "Ben Adeyemi" in [row["Participant"] for row in _rows(book["Participants"])]


# Who may see what ----------------------------------------------------------------------------

ROUTES = ["/departments/{code}/report", "/departments/{code}/report.xlsx", "/departments/{code}/report.pdf"]


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(("role", "code", "expected"), [
    ("anonymous", "MOJ", 302), ("participant", "MOJ", 403), ("facilitator", "MOJ", 403),
    ("sponsor", "MOJ", 200), ("sponsor", "moj", 200), ("sponsor", "DVLA", 404), ("admin", "DVLA", 200),
    ("admin", "NOPE", 404), ("sponsor", "NOPE", 404),
])  # fmt: skip
def test_access(client, world, sign_in, path, role, code, expected):
    sign_in(world.by_role(role))
    assert client.get(path.format(code=code)).status_code == expected


def test_index_for_admin_and_sponsor(client, world, sign_in):
    sign_in(world.admin)
    page = client.get("/departments/reports")
    assert page.status_code == 200
    assert 'href="/departments/MOJ/report"' in page.text and 'href="/departments/DVLA/report"' in page.text
    assert "Reports" in _text(page).split("Sign out")[0]  # the navigation entry
    sign_in(world.sponsor)
    response = client.get("/departments/reports")
    assert response.status_code == 302 and response.headers["Location"].endswith("/departments/MOJ/report")
    assert "Reports" in _text(client.get("/dashboard")).split("Sign out")[0]  # in the navigation
    for role in ("participant", "facilitator"):
        sign_in(world.by_role(role))
        assert client.get("/departments/reports").status_code == 403


@pytest.mark.parametrize("value", [
    "x%00y", "no-such-cohort", "<script>alert(1)</script>", "' OR 1=1 --", "a" * 5000, "%ff%fe", "..%2F..%2Fetc",
])  # fmt: skip
@pytest.mark.parametrize("path", ROUTES)
def test_hostile_cohort_parameter_is_not_found(client, world, sign_in, pilot, value, path):
    sign_in(world.admin)
    response = client.get(path.format(code="MOJ") + "?cohort=" + value)
    assert response.status_code == 404
    assert "<script>alert" not in response.text


def test_a_cohort_without_the_departments_people_is_not_found(client, world, sign_in, pilot):
    """The other cohort has no MOJ people: a sponsor must not learn about it through the report."""
    sign_in(world.sponsor)
    assert client.get(f"/departments/MOJ/report?cohort={world.other_cohort.slug}").status_code == 404
    assert client.get(f"/departments/MOJ/report?cohort={pilot.slug}").status_code == 200
    assert client.get("/departments/MOJ/report?cohort=").status_code == 200  # "All cohorts"
    assert client.get("/departments/MOJ/report?cohort=%00").status_code == 200  # NUL is dropped: all cohorts


@pytest.mark.parametrize("code", ["%00", "M" * 500, "MOJ%00", "' OR 1=1 --"])
def test_hostile_department_code_is_not_found(client, world, sign_in, code):
    sign_in(world.admin)
    assert client.get(f"/departments/{code}/report").status_code == 404


def test_a_department_with_nobody_yet(client, world, sign_in):
    empty = factories.make_department("HMRC", "HM Revenue and Customs")
    db.session.commit()
    sign_in(world.admin)
    text = _text(client.get(f"/departments/{empty.code}/report"))
    assert "Nobody from HM Revenue and Customs has been nominated yet" in text
    assert "No outcomes to chart yet" in text
    assert client.get(f"/departments/{empty.code}/report.xlsx").status_code == 200
    assert client.get(f"/departments/{empty.code}/report.pdf").status_code == 200


# The programme overview ----------------------------------------------------------------------


def test_overview_page_and_dashboard(client, world, sign_in, pilot):
    factories.enrol(pilot, factories.make_user(Role.PARTICIPANT, world.dvla, full_name="Left Early"),
                    EnrolmentStatus.WITHDRAWN)  # fmt: skip
    db.session.commit()
    sign_in(world.admin)
    for url in ("/reports", "/dashboard"):
        response = client.get(url)
        assert response.status_code == 200
        text = _text(response)
        assert "Outcomes by cohort" in text and "Outcomes by department" in text
        # Pilot: 5 people (4 + 1 withdrawn), completed Siân, Ben, Dafydd: 3 of 5 = 60 %.
        assert "AI Accelerator — Pilot completion report Finished 5 3 60%" in text
        assert "Not finished yet" in text
        assert 'href="/departments/MOJ/report"' in response.text
        assert 'href="/departments/DVLA/report"' in response.text
    page = client.get("/reports").text
    assert 'href="/reports/overview.xlsx"' in page
    if "reports.cohort_report_page" in client.application.view_functions:
        assert f'href="/cohorts/{pilot.slug}/report"' in page


def test_overview_xlsx(client, world, sign_in, pilot):
    sign_in(world.admin)
    response = client.get("/reports/overview.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="programme-overview-')
    book = _xlsx(response)
    assert book.sheetnames == ["By cohort", "By department"]
    cohorts = {r["Cohort"]: r for r in _rows(book["By cohort"])}
    assert cohorts["AI Accelerator — Pilot"]["Nominated"] == 4
    assert cohorts["AI Accelerator — Pilot"]["Completion rate"] == pytest.approx(3 / 4)
    departments = {r["Department"]: r for r in _rows(book["By department"])}
    assert (
        departments["Ministry of Justice"]["Cohorts"] == 2
        and departments["Ministry of Justice"]["Nominated"] == 4
    )
    assert departments["Driver and Vehicle Licensing Agency"]["Completed"] == 1
    assert departments["All departments"]["Nominated"] == 6


@pytest.mark.parametrize("path", ["/reports", "/reports/overview.xlsx"])
@pytest.mark.parametrize(("role", "expected"),
                         [("anonymous", 302), ("participant", 403), ("facilitator", 403), ("sponsor", 403)])  # fmt: skip
def test_overview_is_for_admins(client, world, sign_in, path, role, expected):
    sign_in(world.by_role(role))
    assert client.get(path).status_code == expected


def test_admin_dashboard_queries_do_not_grow(client, world, sign_in, pilot):
    """The overview on the dashboard loads everything with one query per table."""
    session = make_session(pilot, PILOT_START + timedelta(days=2), title="Extra workshop")
    skill = factories.make_skill()
    factories.assess_skill(pilot, skill)
    db.session.commit()
    sign_in(world.admin)
    counts = []
    for extra in (10, 90):  # 10, then 100 extra participants, each with a mark and an assessment
        for i in range(extra):
            person = factories.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
            enrolment = factories.enrol(pilot, person)
            db.session.add(AttendanceMark(session_id=session.id, enrolment_id=enrolment.id, mark=Mark.PRESENT,
                                          source=MarkSource.REGISTER, recorded_by_id=world.facilitator.id))  # fmt: skip
            factories.make_assessment(enrolment, skill, 1)
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get("/dashboard").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 extra participants, {counts[1]} for 100"


def test_completion_rate_counts_completers_of_finished_cohorts_only(client, world, sign_in, pilot):
    """A cohort whose programme is over but which nobody has finished yet has people who show as
    Completed; they count in the rate once the cohort is finished, not before (docs/rules.md §9),
    so the all-cohorts rate stays the pilot's 2 of 3, never above 100 %."""
    over = factories.make_cohort("AI Accelerator — Over, not finished", start=PILOT_START,
                                 status=CohortStatus.RUNNING, facilitators=[world.facilitator])  # fmt: skip
    skill = factories.make_skill("Data engineering")
    factories.assess_skill(over, skill, target=1)
    enrolment = factories.enrol(over, factories.make_user(Role.PARTICIPANT, world.moj, full_name="Dee Done"))
    for week in range(4):
        session = make_session(
            over, PILOT_START + timedelta(weeks=week, days=1), title=f"Workshop {week + 1}"
        )
        db.session.add(AttendanceMark(session_id=session.id, enrolment_id=enrolment.id, mark=Mark.PRESENT,
                                      source=MarkSource.REGISTER, recorded_by_id=world.facilitator.id))  # fmt: skip
    factories.make_assessment(enrolment, skill, 0, "baseline")
    factories.make_assessment(enrolment, skill, 2, "final")
    db.session.commit()
    sign_in(world.admin)
    summary = {r["Cohort"]: r for r in _rows(_xlsx(client.get("/departments/MOJ/report.xlsx"))["Summary"])}
    assert summary["AI Accelerator — Over, not finished"]["Completed"] == 1
    assert summary["AI Accelerator — Over, not finished"]["Completion rate"] is None
    assert summary["All cohorts"]["Completed"] == 3
    assert summary["All cohorts"]["Completion rate"] == pytest.approx(2 / 3)
