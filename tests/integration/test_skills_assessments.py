"""Assessments: the facilitator's grid, one participant with evidence, and self-assessment."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cohort.domain.progress import Checkpoint, Source
from cohort.extensions import db
from cohort.models import Assessment, AuditEvent, EnrolmentStatus, Skill
from cohort.skills.service import Cell, SkillError, save_assessments
from tests import factories as f
from tests.factories import enrolment_of


@pytest.fixture
def grid(world):
    """The world's cohort assessing two skills."""
    python = db.session.get(Skill, f.skill_id_in(world.cohort))
    ethics = f.make_skill("Responsible AI and ethics", "Responsible AI")
    f.assess_skill(world.cohort, ethics, 3)
    db.session.commit()
    return (
        python,
        ethics,
        enrolment_of(world.cohort, world.participant),
        enrolment_of(world.cohort, world.other_participant),
    )


def _levels(checkpoint="baseline", source="facilitator") -> dict:
    rows = db.session.execute(
        select(Assessment.enrolment_id, Assessment.skill_id, Assessment.level).where(
            Assessment.checkpoint == Checkpoint(checkpoint), Assessment.source == Source(source)
        )
    )
    return {(e, s): level for e, s, level in rows}


def _events() -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.entity_type == "Assessment"))


def _cells(page: str) -> set[str]:
    """The level selects a page shows, by name."""
    return set(re.findall(r'<select[^>]* name="(level-\d+-\d+)"', page))


def test_grid_shows_one_skill_at_a_time_with_every_participant(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline"
    page = client.get(url).text
    assert "Baseline assessments" in page
    for name in ("Siân O&#39;Neill", "Zoë Ng"):
        assert name in page
    # The first skill (by category, then name) by default: one column, a select per person.
    assert _cells(page) == {f"level-{mine.id}-{python.id}", f"level-{theirs.id}-{python.id}"}
    assert (
        f'<h2 class="govuk-heading-m">{python.name} <span class="govuk-caption-m">Target level 3</span>'
        in page
    )
    # Every cell is a labelled select a keyboard can reach.
    assert f'<label class="govuk-label govuk-visually-hidden" for="level-{mine.id}-{python.id}">' in page
    # The chooser: a link per skill with how many are assessed, the current one marked for
    # assistive technology; the form saves to the same skill.
    assert re.search(rf'href="[^"]*\?skill={python.id}" aria-current="page">{python.name}</a>', page)
    assert re.search(rf'href="[^"]*\?skill={ethics.id}">{ethics.name}</a>', page)
    assert page.count("0 of 2 assessed") == 2
    assert f'action="/cohorts/{world.cohort.slug}/assessments/baseline?skill={python.id}"' in page
    # The checkpoint links keep the skill.
    assert f'href="/cohorts/{world.cohort.slug}/assessments/midpoint?skill={python.id}"' in page

    page = client.get(url, query_string={"skill": ethics.id}).text
    assert _cells(page) == {f"level-{mine.id}-{ethics.id}", f"level-{theirs.id}-{ethics.id}"}
    assert re.search(rf'\?skill={ethics.id}" aria-current="page">', page)

    # Every skill at once: a table that scrolls inside a focusable, labelled box, not the page.
    page = client.get(url, query_string={"skill": "all"}).text
    assert len(_cells(page)) == 4
    assert f'id="level-{theirs.id}-{ethics.id}" name="level-{theirs.id}-{ethics.id}"' in page
    assert (
        '<div class="app-grid-scroll" tabindex="0" role="region" '
        'aria-label="Baseline levels, all skills (scrolls sideways)">'
    ) in page
    assert re.search(r'\?skill=all" aria-current="page">All skills</a>', page)


@pytest.mark.parametrize(
    "value", ["", "abc", "-1", "0", "99999999999999999999", "\x00", "1 OR 1=1", "all" * 100]
)
def test_a_skill_the_grid_cannot_show_shows_the_first(world, sign_in, grid, value):
    python, ethics, mine, theirs = grid
    other = f.make_skill("Quantum computing")  # not assessed by this cohort
    db.session.commit()
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline"
    for wanted in (value, str(other.id)):
        response = client.get(url, query_string={"skill": wanted})
        assert response.status_code == 200
        assert _cells(response.text) == {f"level-{mine.id}-{python.id}", f"level-{theirs.id}-{python.id}"}
        assert "Quantum computing" not in response.text


def test_a_save_from_one_skill_comes_back_to_it(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    f.make_assessment(mine, python, 2)
    db.session.commit()
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline"
    opened = client.get(url, query_string={"skill": ethics.id}).text
    assert f'name="was-{mine.id}-{ethics.id}" value=""' in opened
    response = client.post(
        f"{url}?skill={ethics.id}",
        data={f"was-{mine.id}-{ethics.id}": "", f"level-{mine.id}-{ethics.id}": "3"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url}?skill={ethics.id}")
    # The cell not sent (another skill's) is kept as it was.
    assert _levels() == {(mine.id, python.id): 2, (mine.id, ethics.id): 3}
    page = client.get(response.headers["Location"]).text
    assert "1 level changed" in page
    assert '<option value="3" selected>3 – Practitioner</option>' in page
    assert page.count("1 of 2 assessed") == 2  # each skill now has one person assessed

    response = client.post(f"{url}?skill=all", data={f"level-{theirs.id}-{python.id}": "1"})
    assert response.headers["Location"].endswith(f"{url}?skill=all")


def test_errors_are_shown_on_the_skill_they_belong_to(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/midpoint"
    # A bad level on the skill shown: that skill's page again, with the error beside the cell.
    response = client.post(f"{url}?skill={ethics.id}", data={f"level-{mine.id}-{ethics.id}": "7"})
    assert response.status_code == 400
    assert _cells(response.text) == {f"level-{mine.id}-{ethics.id}", f"level-{theirs.id}-{ethics.id}"}
    assert f'id="level-{mine.id}-{ethics.id}-error"' in response.text
    # A form sending another skill's cells (a page opened on every skill): every skill is shown,
    # so each error links to its cell.
    response = client.post(
        f"{url}?skill={ethics.id}",
        data={f"level-{mine.id}-{python.id}": "9", f"level-{theirs.id}-{ethics.id}": "2"},
    )
    assert response.status_code == 400
    assert f'href="#level-{mine.id}-{python.id}"' in response.text
    assert len(_cells(response.text)) == 4
    assert f'id="level-{mine.id}-{python.id}-error"' in response.text
    assert _levels("midpoint") == {}


def test_grid_saves_only_changed_cells_each_as_an_audit_event(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline"
    response = client.post(
        url, data={f"level-{mine.id}-{python.id}": "1", f"level-{theirs.id}-{ethics.id}": "2"}
    )
    assert response.status_code == 302
    assert _levels() == {(mine.id, python.id): 1, (theirs.id, ethics.id): 2}
    assert _events() == 2
    assert "2 levels changed" in client.get(url).text

    # The same levels again, one changed, one new: two saves, two events.
    response = client.post(
        url,
        data={
            f"level-{mine.id}-{python.id}": "1",
            f"level-{theirs.id}-{ethics.id}": "3",
            f"level-{mine.id}-{ethics.id}": "0",
            f"level-{theirs.id}-{python.id}": "",
        },
    )
    assert response.status_code == 302
    assert _levels() == {(mine.id, python.id): 1, (theirs.id, ethics.id): 3, (mine.id, ethics.id): 0}
    assert _events() == 4
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.actor_id == world.facilitator.id

    # Nothing changed: nothing saved.
    client.post(url, data={f"level-{mine.id}-{python.id}": "1"})
    assert _events() == 4
    assert "nothing had changed" in client.get(url).text


def test_blank_cell_keeps_an_existing_level(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    f.make_assessment(mine, python, 2)
    db.session.commit()
    client = sign_in(world.facilitator)
    client.post(
        f"/cohorts/{world.cohort.slug}/assessments/baseline", data={f"level-{mine.id}-{python.id}": ""}
    )
    assert _levels() == {(mine.id, python.id): 2}


@pytest.mark.parametrize("value", ["5", "-1", "99999999999999999999", "two", "2.5", "\x00", "3" * 10_000])
def test_levels_outside_zero_to_four_are_refused(world, sign_in, grid, value):
    python, ethics, mine, theirs = grid
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/assessments/midpoint",
        data={f"level-{mine.id}-{python.id}": value, f"level-{theirs.id}-{python.id}": "2"},
    )
    assert response.status_code == 400
    assert f"Level for Siân O&#39;Neill, {python.name} must be a whole number from 0 to 4" in response.text
    assert f'href="#level-{mine.id}-{python.id}"' in response.text
    assert _levels("midpoint") == {}  # all or nothing


def test_skill_the_cohort_does_not_assess_is_refused(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    other = f.make_skill("Quantum computing")
    db.session.commit()
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/assessments/baseline",
        data={f"level-{mine.id}-{python.id}": "2", f"level-{mine.id}-{other.id}": "3"},
    )
    assert response.status_code == 400
    assert "Quantum computing is not assessed in this cohort: nothing was saved" in response.text
    assert _levels() == {}


def test_participant_of_another_cohort_is_refused(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    stranger = f.enrol(world.other_cohort, f.make_user(full_name="Not Mine"))
    db.session.commit()
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/assessments/baseline",
        data={f"level-{mine.id}-{python.id}": "2", f"level-{stranger.id}-{python.id}": "3"},
    )
    assert response.status_code == 400
    assert (
        "Someone in this form is not a participant you can assess in this cohort: nothing was saved"
        in response.text
    )
    assert "Not Mine" not in response.text
    assert _levels() == {}


def test_facilitator_of_another_cohort_cannot_open_the_grid(world, sign_in, grid):
    client = sign_in(world.other_facilitator)
    assert client.get(f"/cohorts/{world.cohort.slug}/assessments/baseline").status_code == 404
    python, ethics, mine, theirs = grid
    assert (
        client.post(
            f"/cohorts/{world.cohort.slug}/assessments/baseline", data={f"level-{mine.id}-{python.id}": "2"}
        ).status_code
        == 404
    )
    assert client.get(f"/cohorts/{world.cohort.slug}/assessments/baseline/{mine.id}").status_code == 404
    assert _levels() == {}


def test_service_refuses_a_facilitator_outside_the_cohort(world, grid):
    python, ethics, mine, theirs = grid
    with pytest.raises(SkillError, match="You can only assess participants in cohorts you facilitate"):
        save_assessments(
            world.other_facilitator,
            world.cohort,
            Checkpoint.BASELINE,
            Source.FACILITATOR,
            [mine],
            {(mine.id, python.id): Cell(2)},
        )
    db.session.rollback()
    with pytest.raises(SkillError, match="Level must be a whole number from 0 to 4"):
        save_assessments(
            world.facilitator,
            world.cohort,
            Checkpoint.BASELINE,
            Source.FACILITATOR,
            [mine],
            {(mine.id, python.id): Cell(7)},
        )
    db.session.rollback()
    assert _levels() == {}


def test_unknown_checkpoint_and_people_are_not_found(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    client = sign_in(world.facilitator)
    assert client.get(f"/cohorts/{world.cohort.slug}/assessments/adhoc").status_code == 404
    assert client.get(f"/cohorts/{world.cohort.slug}/assessments/baseline/99999999999").status_code == 404
    withdrawn = f.enrol(world.cohort, f.make_user(), EnrolmentStatus.WITHDRAWN)
    db.session.commit()
    assert client.get(f"/cohorts/{world.cohort.slug}/assessments/baseline/{withdrawn.id}").status_code == 404


def test_assess_one_participant_with_evidence(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    f.make_assessment(mine, python, 1, "midpoint", "self")
    db.session.commit()
    client = sign_in(world.facilitator)
    url = f"/cohorts/{world.cohort.slug}/assessments/midpoint/{mine.id}"
    page = client.get(url).text
    assert "Their self-assessment at midpoint: 1 – Awareness" in page
    assert "What each level looks like" in page
    response = client.post(
        url,
        data={
            f"level-{mine.id}-{python.id}": "3",
            f"evidence-{mine.id}-{python.id}": "Packaged the court backlog model with tests",
            f"link-{mine.id}-{python.id}": "https://github.com/example/court-backlog",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(Assessment).where(Assessment.source == Source.FACILITATOR))
    assert (saved.level, saved.evidence_link) == (3, "https://github.com/example/court-backlog")
    assert saved.assessed_by_id == world.facilitator.id
    # The grid keeps the evidence when the level changes there.
    client.post(
        f"/cohorts/{world.cohort.slug}/assessments/midpoint", data={f"level-{mine.id}-{python.id}": "4"}
    )
    db.session.refresh(saved)
    assert (saved.level, saved.evidence) == (4, "Packaged the court backlog model with tests")


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("javascript:alert(1)", "must be a web address starting with https://"),
        ("https://example.com/" + "x" * 600, "must be a web address starting with https://"),
    ],
)
def test_bad_evidence_links_are_refused(world, sign_in, grid, link, message):
    python, ethics, mine, theirs = grid
    response = sign_in(world.facilitator).post(
        f"/cohorts/{world.cohort.slug}/assessments/baseline/{mine.id}",
        data={f"level-{mine.id}-{python.id}": "2", f"link-{mine.id}-{python.id}": link},
    )
    assert response.status_code == 400
    assert message in response.text
    assert _levels() == {}


def test_self_assessment_is_shown_beside_never_averaged(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    f.make_assessment(mine, python, 1, "baseline")
    f.make_assessment(mine, python, 2, "midpoint")
    db.session.commit()
    client = sign_in(world.participant)
    response = client.post(
        "/my-progress/self-assessment/midpoint",
        data={f"level-{mine.id}-{python.id}": "4", f"evidence-{mine.id}-{python.id}": "Shipped it"},
    )
    assert response.status_code == 302
    assert _levels("midpoint", "self") == {(mine.id, python.id): 4}
    page = client.get("/my-progress").text
    row = page[page.index(f">{python.name}</th>") :]
    cells = row[: row.index("</tr>")].split("<td")[1:]  # baseline, latest, self, target, uplift, at target
    assert "1 – Awareness" in cells[0]
    assert "2 – Working" in cells[1]  # the facilitator's latest counts
    assert "4 – Expert" in cells[2] and "Shipped it" in cells[2]  # beside it, never averaged in
    assert "+1" in cells[4]  # uplift from the facilitator's levels only


def test_participant_cannot_self_assess_someone_else(world, sign_in, grid):
    python, ethics, mine, theirs = grid
    response = sign_in(world.participant).post(
        "/my-progress/self-assessment/baseline",
        data={f"level-{mine.id}-{python.id}": "2", f"level-{theirs.id}-{python.id}": "4"},
    )
    assert response.status_code == 400
    assert "nothing was saved" in response.text
    assert _levels("baseline", "self") == {}


def test_database_refuses_levels_outside_zero_to_four(world, grid):
    python, ethics, mine, theirs = grid
    db.session.add(
        Assessment(
            enrolment_id=mine.id, skill_id=python.id, checkpoint=Checkpoint.FINAL, source=Source.SELF, level=5
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_assessment_per_checkpoint_and_source(world, grid):
    python, ethics, mine, theirs = grid
    f.make_assessment(mine, python, 2)
    with pytest.raises(IntegrityError):
        f.make_assessment(mine, python, 3)
    db.session.rollback()
