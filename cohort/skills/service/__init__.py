"""Changing the skills framework, cohort skills, assessments and learning logs, each change audited.

One module per part: common (the refusal, the closed-cohort check), framework, cohort_skills,
assessments and learning_log. Callers import from here: `from cohort.skills import service`.
"""

from .assessments import KEEP, Cell, StaleAssessments, existing_assessments, save_assessments
from .cohort_skills import cohort_skills, copy_cohort_skills, set_cohort_skills
from .common import SkillError
from .framework import SKILL_FIELDS, SkillDetails, create_skill, set_retired, update_skill
from .learning_log import ENTRY_FIELDS, EntryDetails, add_log_entry, comment_on_entry, update_log_entry

__all__ = [
    "ENTRY_FIELDS",
    "KEEP",
    "SKILL_FIELDS",
    "Cell",
    "EntryDetails",
    "SkillDetails",
    "SkillError",
    "StaleAssessments",
    "add_log_entry",
    "cohort_skills",
    "comment_on_entry",
    "copy_cohort_skills",
    "create_skill",
    "existing_assessments",
    "save_assessments",
    "set_cohort_skills",
    "set_retired",
    "update_log_entry",
    "update_skill",
]
