"""A cohort's skills assessments at one checkpoint (docs/api.md, Assessments): each person's
levels per skill, the facilitator's and their own, as the progress matrix shows them.

The same read side as the pages (cohort/skills/queries.py): the people of the progress matrix
(cohort/attendance/queries.py enrolments_of), then one query for the assessments of the page of
people asked for, so the number of queries does not grow with the number of people
(docs/architecture.md §8). Scope as the pages: a facilitator's own cohorts, and a sponsor sees
their own department's people only (docs/rules.md §1.2).
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint  # type: ignore[import-untyped]

from cohort.api import core
from cohort.api.cohorts import scoped_cohort
from cohort.api.core import READ_ERRORS
from cohort.api.schemas import AssessmentQuerySchema, PersonAssessmentsSchema
from cohort.attendance import queries as attendance
from cohort.domain.progress import Checkpoint
from cohort.policy import department_scope
from cohort.skills.queries import assessments_by_enrolment, cohort_skills, skill_progress

blp = Blueprint("api_assessments", __name__, url_prefix="/api/v1", description="Skills assessments")


@blp.route("/cohorts/<slug>/assessments")
@core.operation(blp, "assessments:read", *READ_ERRORS)
@blp.etag
@blp.arguments(AssessmentQuerySchema, location="query")
@blp.response(200, PersonAssessmentsSchema(many=True))
@blp.paginate()
def cohort_assessments(query, pagination_parameters, slug: str):
    """Each person's level per skill at one checkpoint, by name: the facilitator's (level) and
    their own self-assessment (self_level), null where none is recorded. A sponsor's token sees
    their own department's people only."""
    cohort = scoped_cohort(current_user, slug)
    point = Checkpoint(query["checkpoint"])
    only = department_scope(current_user)
    people = attendance.enrolments_of(cohort, department_id=only)
    pagination_parameters.item_count = len(people)
    start, size = core.page_window(pagination_parameters)
    page = people[start : start + size]
    skills = cohort_skills(cohort)
    found = assessments_by_enrolment(e.id for e in page)
    rows = []
    for e in page:
        progress = skill_progress(skills, found.get(e.id, {}))
        rows.append(
            {
                "enrolment_id": e.id,
                "name": e.user.full_name,
                "department": e.user.department.code if e.user.department else None,
                "status": e.status.value,
                "skills": [
                    {
                        "skill_id": p.skill.id,
                        "skill": p.skill.name,
                        "target_level": p.target,
                        "level": p.facilitator[point].level if point in p.facilitator else None,
                        "self_level": p.self[point].level if point in p.self else None,
                    }
                    for p in progress
                ],
            }
        )
    return rows
