"""Progress pages (the participant's, the cohort matrix, the sponsor's) and learning logs."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cohort.domain.attendance import Mark
from cohort.domain.times import london_date
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    LearningLogComment,
    LearningLogEntry,
    Role,
    Skill,
)
from cohort.models.base import utcnow
from tests import factories as f
from tests.factories import enrolment_of
from tests.querycount import count_queries
from tests.sessions import make_session


@pytest.fixture
def progress(world):
    """Two skills; the participant (MOJ) moves 1 → 3 on Python, the other (DVLA) is assessed once."""
    python = db.session.get(Skill, f.skill_id_in(world.cohort))
    ethics = f.make_skill("Responsible AI and ethics", "Responsible AI")
    f.assess_skill(world.cohort, ethics, 2)
    mine, theirs = (
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )
    f.make_assessment(mine, python, 1, "baseline")
    f.make_assessment(mine, python, 3, "midpoint")
    f.make_assessment(mine, ethics, 1, "baseline")
    f.make_assessment(mine, ethics, 2, "baseline", "self")
    f.make_assessment(theirs, python, 2, "baseline")
    db.session.commit()
    return python, ethics, mine, theirs


def _absent_from(cohort, enrolment, n: int, attended: int):
    """n ended sessions in the cohort's first weeks; the enrolment attended the first `attended`.
    One more session a year from now keeps the cohort running (not finished) whatever the date."""
    make_session(cohort, london_date(utcnow()) + timedelta(days=365))
    for i in range(n):
        session = make_session(cohort, cohort.start_date + timedelta(days=1 + i))
        mark = Mark.PRESENT if i < attended else Mark.ABSENT
        db.session.add(AttendanceMark(session_id=session.id, enrolment_id=enrolment.id, mark=mark))
    db.session.commit()


def test_my_progress_shows_baseline_latest_self_and_target(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    page = sign_in(world.participant).get("/my-progress").text
    assert "My progress" in page
    row = page[page.index(f">{python.name}</th>") :]
    cells = row[: row.index("</tr>")].split("<td")[1:]
    assert "1 – Awareness" in cells[0]
    assert "3 – Practitioner" in cells[1] and "(midpoint)" in cells[1]
    assert "Not given" in cells[2]
    assert "+2" in cells[4] and "Yes" in cells[5]
    assert "1 of 2 skills at target" in page
    # The completion rules table: the rule's name once, in its row header.
    assert re.search(r">Skills at target</th>\s*<td[^>]*>1 of 2 — needs 2</td>", page)
    assert "Completion rules" in page


def test_my_progress_shows_attendance_with_its_counts_and_the_risk(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    _absent_from(world.cohort, mine, 5, 3)  # 60 %
    page = sign_in(world.participant).get("/my-progress").text
    assert "Attendance rate: <strong>60%</strong> (needs 80%)" in page
    assert re.search(r">Attendance</th>\s*<td[^>]*>60% \(3 of 5 sessions\) — needs 80%</td>", page)
    assert "At risk" in page  # in words, not colour alone
    assert "Attended (present or late)" in page


def test_participant_with_no_enrolment_sees_a_plain_message(world, sign_in):
    loner = f.make_user(Role.PARTICIPANT)
    db.session.commit()
    page = sign_in(loner).get("/my-progress")
    assert page.status_code == 200
    assert "You are not enrolled in a cohort yet" in page.text
    assert sign_in(loner).get("/my-progress/self-assessment/baseline").status_code == 404


def test_cohort_matrix_shows_current_against_target_uplift_and_flags(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    _absent_from(world.cohort, theirs, 4, 1)  # 25 %
    page = sign_in(world.facilitator).get(f"/cohorts/{world.cohort.slug}/progress").text
    assert "Skills by participant" in page
    # Each level against its target in words, met or not in words too (not only a tick or colour).
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r'<td class="govuk-table__cell app-level">(.*?)</td>', page, re.S)
    ]
    assert cells == [
        "Level 3, target 3 Target met Uplift +2",  # Siân O'Neill: Python 1 → 3
        "Level 1, target 2 Target not met Uplift 0",  # her ethics
        "Level 2, target 3 Target not met Uplift 0",  # Zoë Ng: Python
        "Not assessed, target 2 Target not met No baseline",  # her ethics
    ]
    assert "✓" not in page
    assert "<strong>Target met</strong>" in page
    # Wider than a laptop: the table scrolls inside a focusable, labelled box.
    assert (
        '<div class="app-grid-scroll" tabindex="0" role="region" aria-label="Skills by participant (scrolls sideways)">'
        in page
    )
    assert "Attendance 25% (1 of 4 sessions) — needs 80%" in page
    assert (
        "Attendance 0% (0 of 4 sessions) — needs 80%" in page
    )  # no mark on an ended session counts as absent
    assert "2 at risk" in page


def test_matrix_filters_by_department(world, sign_in, progress):
    client = sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/progress?department={world.dvla.id}").text
    assert "Zoë Ng" in page and "Siân O&#39;Neill" not in page
    for hostile in ("abc", "99999999999999999999", "-1"):
        response = client.get(f"/cohorts/{world.cohort.slug}/progress", query_string={"department": hostile})
        assert response.status_code == 200
        assert "Zoë Ng" in response.text and "Siân O&#39;Neill" in response.text
    # A NUL character is dropped before it reaches the database: no filter.
    response = client.get(f"/cohorts/{world.cohort.slug}/progress", query_string={"department": "\x00"})
    assert response.status_code == 200 and "Siân O&#39;Neill" in response.text


def test_sponsor_sees_only_their_department(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    client = sign_in(world.sponsor)
    page = client.get(f"/cohorts/{world.cohort.slug}/progress?department={world.dvla.id}").text
    assert "Siân O&#39;Neill" in page and "Zoë Ng" not in page
    assert "of Ministry of Justice participants" in page
    assert client.get(f"/cohorts/{world.cohort.slug}/progress/{mine.id}").status_code == 200
    assert client.get(f"/cohorts/{world.cohort.slug}/progress/{theirs.id}").status_code == 404
    assert (
        sign_in(world.other_sponsor).get(f"/cohorts/{world.cohort.slug}/progress/{mine.id}").status_code
        == 404
    )


def test_facilitator_of_another_cohort_sees_nothing(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    client = sign_in(world.other_facilitator)
    assert client.get(f"/cohorts/{world.cohort.slug}/progress").status_code == 404
    assert client.get(f"/cohorts/{world.cohort.slug}/progress/{mine.id}").status_code == 404
    assert client.get(f"/cohorts/{world.cohort.slug}/learning-log/{mine.id}").status_code == 404


def test_progress_matrix_queries_do_not_grow_with_participants(world, sign_in, progress):
    python, ethics, mine, theirs = progress
    make_session(world.cohort)
    db.session.commit()
    client = sign_in(world.admin)
    counts = []
    for extra in (8, 90):  # 10, then 100 participants
        for i in range(extra):
            person = f.make_user(Role.PARTICIPANT, world.moj if i % 2 else world.dvla)
            enrolment = f.enrol(world.cohort, person)
            f.make_assessment(enrolment, python, i % 5)
            f.make_assessment(enrolment, ethics, (i + 1) % 5, "baseline", "self")
        db.session.commit()
        with count_queries(db.engine) as queries:
            response = client.get(f"/cohorts/{world.cohort.slug}/progress")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries for 10 participants, {counts[1]} for 100"
    assert response.text.count('<td class="govuk-table__cell app-level">') == 200  # 100 people × 2 skills


def test_grid_queries_do_not_grow_with_participants(world, sign_in, progress):
    client = sign_in(world.facilitator)
    counts = []
    for extra in (8, 90):
        for _ in range(extra):
            f.enrol(world.cohort, f.make_user(Role.PARTICIPANT, world.moj))
        db.session.commit()
        with count_queries(db.engine) as queries:
            assert client.get(f"/cohorts/{world.cohort.slug}/assessments/midpoint").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# Learning log ---------------------------------------------------------------------------


def _entry_form(**overrides):
    data = {
        "entry_date": ["5", "10", "2026"],
        "activity": "Deployed the court backlog model to a test environment",
        "hours": "2.5",
        "reflection": "Containers were the hard part",
        "link": "https://github.com/example/court-backlog",
    }
    data.update(overrides)
    return data


def test_participant_writes_their_learning_log(world, sign_in):
    client = sign_in(world.participant)
    response = client.post("/my-learning-log/new", data=_entry_form())
    assert response.status_code == 302
    page = client.get("/my-learning-log").text
    assert "Deployed the court backlog model" in page
    assert "5 October 2026" in page and "2.5 hours in all" in page
    entry = db.session.scalar(select(LearningLogEntry))
    assert entry.hours == 2.5 and entry.enrolment_id == enrolment_of(world.cohort, world.participant).id
    response = client.post(f"/my-learning-log/{entry.id}/edit", data=_entry_form(hours="3"))
    assert response.status_code == 302
    db.session.refresh(entry)
    assert entry.hours == 3
    assert db.session.scalar(select(func.count()).where(AuditEvent.entity_type == "LearningLogEntry")) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"activity": ""}, "Enter what you did"),
        ({"hours": "0"}, "Hours must be more than 0 and no more than 24"),
        ({"hours": "25"}, "Hours must be more than 0 and no more than 24"),
        ({"hours": "lots"}, "Hours must be a number, like 1.5"),
        ({"hours": "9" * 10_000}, "Hours must be a number, like 1.5"),
        ({"link": "javascript:alert(1)"}, "Link must be a web address starting with https://"),
        ({"entry_date": ["31", "2", "2026"]}, "Date must be a real date"),
        ({"entry_date": ["1", "1", "2999"]}, "Date must be today or in the past"),
        ({"reflection": "x" * 2001}, "Reflection must be 2,000 characters or fewer"),
        ({"activity": "bad\x00thing"}, "What you did must not contain invisible or control characters"),
    ],
)
def test_bad_log_entries_are_refused(world, sign_in, overrides, message):
    response = sign_in(world.participant).post("/my-learning-log/new", data=_entry_form(**overrides))
    assert response.status_code == 400
    assert message in response.text
    assert db.session.scalar(select(func.count()).select_from(LearningLogEntry)) == 0


def test_nobody_else_can_change_an_entry(world, sign_in):
    entry = f.make_log_entry(enrolment_of(world.cohort, world.other_participant))
    db.session.commit()
    client = sign_in(world.participant)
    assert client.get(f"/my-learning-log/{entry.id}/edit").status_code == 404
    assert client.post(f"/my-learning-log/{entry.id}/edit", data=_entry_form()).status_code == 404
    assert client.get("/my-learning-log/99999999999/edit").status_code == 404


def test_facilitator_reads_and_comments(world, sign_in):
    mine = enrolment_of(world.cohort, world.participant)
    entry = f.make_log_entry(mine, "Read about feature stores", on=date(2026, 9, 10))
    db.session.commit()
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/learning-log/{mine.id}"
    assert "Read about feature stores" in client.get(url).text
    response = client.post(url, data={"entry_id": str(entry.id), f"entry-{entry.id}-body": "Try Feast next"})
    assert response.status_code == 302
    comment = db.session.scalar(select(LearningLogComment))
    assert (comment.body, comment.author_id) == ("Try Feast next", world.facilitator.id)
    # The participant sees it.
    assert "Try Feast next" in sign_in(world.participant).get("/my-learning-log").text


def test_comment_refusals(world, sign_in):
    mine = enrolment_of(world.cohort, world.participant)
    entry = f.make_log_entry(mine)
    other = f.make_log_entry(enrolment_of(world.cohort, world.other_participant))
    db.session.commit()
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/learning-log/{mine.id}"
    response = client.post(url, data={"entry_id": str(entry.id), f"entry-{entry.id}-body": ""})
    assert response.status_code == 400
    assert "Enter your comment" in response.text
    # An entry of someone else's log, or no entry at all: not found.
    assert (
        client.post(url, data={"entry_id": str(other.id), f"entry-{other.id}-body": "Hi"}).status_code == 404
    )
    assert client.post(url, data={"entry_id": "x" * 10_000}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(LearningLogComment)) == 0
    # Sponsors do not read learning logs.
    assert sign_in(world.sponsor).get(url).status_code == 403
