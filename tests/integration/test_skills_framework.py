"""The skills framework (programme manager) and the skills each cohort assesses."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.models import Assessment, AuditEvent, CohortSkill, Skill
from tests import factories as f


def _skill_form(**overrides):
    data = {
        "name": "MLOps and deployment",
        "category": "Engineering",
        "description": "Putting models into service",
        "level_0": "Has not deployed a model",
        "level_4": "Designs the ML platform",
    }
    data.update(overrides)
    return data


def test_admin_adds_a_skill_with_level_descriptions(world, sign_in):
    client = sign_in(world.admin)
    response = client.post("/skills/new", data=_skill_form())
    assert response.status_code == 302
    skill = db.session.scalar(select(Skill).where(Skill.name == "MLOps and deployment"))
    assert skill.level_description(0) == "Has not deployed a model"
    assert skill.level_description(2) is None
    page = client.get("/skills").text
    assert "MLOps and deployment" in page and "Engineering" in page
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Skill")).action == "create"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the skill&#39;s name"),
        ({"category": "   "}, "Enter the skill&#39;s category"),
        ({"name": "x" * 10_000}, "Name must be 120 characters or fewer"),
        ({"name": "Bad\x00name"}, "Name must not contain invisible or control characters"),
        ({"level_3": "y" * 2001}, "Level 3 description must be 2,000 characters or fewer"),
    ],
)
def test_bad_skill_details_are_refused_with_a_message(world, sign_in, overrides, message):
    client = sign_in(world.admin)
    response = client.post("/skills/new", data=_skill_form(**overrides))
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert message in response.text
    assert db.session.scalar(select(Skill).where(Skill.category == "Engineering")) is None


def test_duplicate_skill_name_is_refused(world, sign_in):
    f.make_skill("MLOps and deployment")
    db.session.commit()
    response = sign_in(world.admin).post("/skills/new", data=_skill_form(name="mlops AND deployment"))
    assert response.status_code == 400
    assert "There is already a skill called mlops AND deployment" in response.text


def test_edit_skill(world, sign_in):
    skill = f.make_skill("Cloud")
    db.session.commit()
    client = sign_in(world.admin)
    assert "Cloud" in client.get(f"/skills/{skill.id}/edit").text
    response = client.post(f"/skills/{skill.id}/edit", data=_skill_form(name="Cloud and infrastructure"))
    assert response.status_code == 302
    db.session.refresh(skill)
    assert skill.name == "Cloud and infrastructure"
    assert client.get("/skills/999999999999/edit").status_code == 404


def test_retired_skill_stays_in_history_and_cannot_be_added(world, sign_in):
    skill_id = f.skill_id_in(world.cohort)
    skill = db.session.get(Skill, skill_id)
    enrolment = f.enrol(f.make_cohort(), f.make_user())
    f.make_assessment(
        db.session.scalar(select(f.Enrolment).where(f.Enrolment.user_id == world.participant.id)), skill, 2
    )
    db.session.commit()
    client = sign_in(world.admin)
    assert client.post(f"/skills/{skill_id}/retire").status_code == 302
    db.session.refresh(skill)
    assert skill.retired
    assert "Retired" in client.get("/skills").text
    # The assessment and the cohort's use of it remain; the participant still sees it.
    assert db.session.scalar(select(Assessment).where(Assessment.skill_id == skill_id)) is not None
    page = sign_in(world.participant).get("/my-progress").text
    assert skill.name in page and "2 – Working" in page
    # It cannot be added to another cohort.
    client = sign_in(world.admin)
    response = client.post(
        f"/cohorts/{enrolment.cohort.slug}/skills",
        data={f"skill-{skill_id}": "yes", f"target-{skill_id}": "3"},
    )
    assert response.status_code == 400
    assert "is retired: it cannot be added to a cohort" in response.text
    # And it can be brought back.
    assert client.post(f"/skills/{skill_id}/unretire").status_code == 302
    db.session.refresh(skill)
    assert not skill.retired


def test_skills_cannot_be_deleted_while_in_use(world):
    skill = db.session.get(Skill, f.skill_id_in(world.cohort))
    db.session.delete(skill)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_choose_cohort_skills_and_targets(world, sign_in):
    a, b, c = f.make_skill("A skill"), f.make_skill("B skill"), f.make_skill("C skill")
    db.session.commit()
    client = sign_in(world.admin)
    url = f"/cohorts/{world.cohort.slug}/skills"
    response = client.post(
        url,
        data={
            f"skill-{a.id}": "yes",
            f"target-{a.id}": "3",
            f"skill-{b.id}": "yes",
            f"target-{b.id}": "4",
            f"target-{c.id}": "2",
        },
    )
    assert response.status_code == 302
    targets = dict(
        db.session.execute(
            select(CohortSkill.skill_id, CohortSkill.target_level).where(
                CohortSkill.cohort_id == world.cohort.id
            )
        ).all()
    )
    assert targets == {a.id: 3, b.id: 4}
    assert "2 changes" in client.get(url).text
    # Change one target, drop one skill.
    client.post(url, data={f"skill-{a.id}": "yes", f"target-{a.id}": "2"})
    targets = dict(
        db.session.execute(
            select(CohortSkill.skill_id, CohortSkill.target_level).where(
                CohortSkill.cohort_id == world.cohort.id
            )
        ).all()
    )
    assert targets == {a.id: 2}


@pytest.mark.parametrize("target", ["0", "5", "-1", "", "x", "9" * 100])
def test_target_outside_one_to_four_is_refused(world, sign_in, target):
    skill = f.make_skill()
    db.session.commit()
    response = sign_in(world.admin).post(
        f"/cohorts/{world.cohort.slug}/skills",
        data={f"skill-{skill.id}": "yes", f"target-{skill.id}": target},
    )
    assert response.status_code == 400
    assert f"Choose a target from 1 to 4 for {skill.name}" in response.text
    assert db.session.scalar(select(CohortSkill).where(CohortSkill.skill_id == skill.id)) is None


def test_skill_with_assessments_cannot_be_taken_away(world, sign_in):
    skill = db.session.get(Skill, f.skill_id_in(world.cohort))
    enrolment = db.session.scalar(select(f.Enrolment).where(f.Enrolment.user_id == world.participant.id))
    f.make_assessment(enrolment, skill, 1)
    db.session.commit()
    response = sign_in(world.admin).post(f"/cohorts/{world.cohort.slug}/skills", data={})
    assert response.status_code == 400
    assert "already has assessments in this cohort, so it cannot be taken away" in response.text


def test_copy_skills_from_another_cohort_in_one_step(world, sign_in):
    a, b = f.make_skill("A skill"), f.make_skill("B skill")
    retired = f.make_skill("Old skill")
    for skill, target in ((a, 2), (b, 4), (retired, 3)):
        f.assess_skill(world.other_cohort, skill, target)
    retired.retired = True
    db.session.commit()
    client = sign_in(world.admin)
    page = client.get(f"/cohorts/{world.cohort.slug}/skills").text
    assert world.other_cohort.name in page
    response = client.post(
        f"/cohorts/{world.cohort.slug}/skills/copy", data={"copy-source": str(world.other_cohort.id)}
    )
    assert response.status_code == 302
    targets = dict(
        db.session.execute(
            select(CohortSkill.skill_id, CohortSkill.target_level).where(
                CohortSkill.cohort_id == world.cohort.id
            )
        ).all()
    )
    assert targets == {a.id: 2, b.id: 4}  # the retired skill does not come across


@pytest.mark.parametrize("source", ["", "999999", "abc", "\x00"])
def test_copy_needs_a_real_cohort(world, sign_in, source):
    f.assess_skill(world.other_cohort, f.make_skill())
    db.session.commit()
    response = sign_in(world.admin).post(
        f"/cohorts/{world.cohort.slug}/skills/copy", data={"copy-source": source}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text


def test_database_refuses_targets_outside_one_to_four(world):
    skill = f.make_skill()
    db.session.add(CohortSkill(cohort_id=world.other_cohort.id, skill_id=skill.id, target_level=5))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
