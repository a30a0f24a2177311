"""The API's marshmallow schemas (docs/api.md, Resources)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cohort.models import CohortStatus, EnrolmentStatus

STATUSES = [s.value for s in CohortStatus]


class CohortSchema(Schema):
    slug = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    start_date = fields.Date(required=True)
    length_weeks = fields.Integer(required=True)
    capacity = fields.Integer(required=True)


class CohortQuerySchema(Schema):
    status = fields.String(
        validate=validate.OneOf(STATUSES), metadata={"description": "Only cohorts in this status"}
    )


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    mandatory = fields.Boolean(required=True)
    cancelled = fields.Boolean(required=True)


ENROLMENT_STATUSES = [s.value for s in EnrolmentStatus]


class EnrolmentQuerySchema(Schema):
    cohort = fields.String(metadata={"description": "A cohort's slug"})
    status = fields.String(validate=validate.OneOf(ENROLMENT_STATUSES))
    department = fields.String(
        validate=validate.Length(min=1, max=20), metadata={"description": "A department's code, such as MOJ"}
    )


class EnrolmentSchema(Schema):
    id = fields.Integer(required=True)
    cohort = fields.String(required=True, metadata={"description": "The cohort's slug"})
    name = fields.String(required=True)
    email = fields.String(required=True)
    department = fields.String(allow_none=True, metadata={"description": "The department's code"})
    status = fields.String(required=True, validate=validate.OneOf(ENROLMENT_STATUSES))
    enrolled_on = fields.Date(required=True)
    withdrawn_on = fields.Date(allow_none=True)


class MarkSchema(Schema):
    enrolment_id = fields.Integer(required=True)
    name = fields.String(required=True)
    mark = fields.String(allow_none=True, metadata={"description": "present, late, excused, absent, or null"})
    source = fields.String(allow_none=True)
    recorded_at = fields.DateTime(allow_none=True)


class RuleCheckSchema(Schema):
    rule = fields.String(required=True)
    title = fields.String(required=True)
    state = fields.String(required=True)
    holds = fields.Boolean(required=True)
    reason = fields.String(required=True)
    details = fields.List(fields.String(), required=True)


class StandingSchema(Schema):
    enrolment_id = fields.Integer(required=True)
    name = fields.String(required=True)
    department = fields.String(allow_none=True)
    outcome = fields.String(required=True)
    overridden = fields.Boolean(required=True)
    checks = fields.List(fields.Nested(RuleCheckSchema), required=True)


class CertificateQuerySchema(Schema):
    # 12 letters and numbers, in groups of four with optional hyphens, as printed: ABCD-EFGH-JKLM.
    # The page reads typed codes more generously (spaces anywhere); the API asks for the printed form.
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$",
            error="Verification code must be 12 letters and numbers, like ABCD-EFGH-JKLM",
        ),
        metadata={"description": "The code printed on the certificate", "example": "ABCD-EFGH-JKLM"},
    )


class CertificateSchema(Schema):
    valid = fields.Boolean(required=True)
    name = fields.String(allow_none=True)
    cohort = fields.String(allow_none=True, metadata={"description": "The cohort's name"})
    completed_on = fields.Date(allow_none=True)


MARKS = ["present", "late", "excused", "absent"]


class MarkInSchema(Schema):
    enrolment_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    mark = fields.String(required=True, validate=validate.OneOf(MARKS))
    note = fields.String(
        load_default=None,
        allow_none=True,
        # No NUL character: the database cannot store one (docs/architecture.md §13).
        validate=[
            validate.Length(max=500),
            validate.Regexp(r"^[^\x00]*$", error="A note cannot hold a NUL character"),
        ],
        metadata={"description": "Left as it is when not sent"},
    )


class MarksInSchema(Schema):
    marks = fields.List(fields.Nested(MarkInSchema), required=True, validate=validate.Length(min=1, max=1000))


def _no_nul(what: str):
    return validate.Regexp(r"^[^\x00]*$", error=f"{what} cannot hold a NUL character")


class NominationSchema(Schema):
    """One person to enrol, as the enrol form: an existing participant by e-mail, or a new one
    with a name and a department."""

    email = fields.Email(required=True, validate=validate.Length(max=254))
    full_name = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=120), _no_nul("A name")]
    )
    department = fields.String(
        load_default=None,
        allow_none=True,
        validate=[validate.Length(max=20), _no_nul("A department")],
        metadata={"description": "The department's code, such as MOJ (for a new person)"},
    )
    job_title = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=120), _no_nul("A job title")]
    )
    grade = fields.String(
        load_default=None, allow_none=True, validate=[validate.Length(max=40), _no_nul("A grade")]
    )
    enrolled_on = fields.Date(
        load_default=None, allow_none=True, metadata={"description": "Default: as the enrol form offers"}
    )


class WithdrawalSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["withdrawn"]))
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), _no_nul("A reason")])
    withdrawn_on = fields.Date(load_default=None, allow_none=True, metadata={"description": "Default: today"})


class BulkRowSchema(Schema):
    email = fields.String(required=True, validate=[validate.Length(max=254), _no_nul("An e-mail address")])
    full_name = fields.String(load_default="", validate=[validate.Length(max=200), _no_nul("A name")])
    department = fields.String(load_default="", validate=[validate.Length(max=200), _no_nul("A department")])
    job_title = fields.String(load_default="", validate=[validate.Length(max=200), _no_nul("A job title")])
    grade = fields.String(load_default="", validate=[validate.Length(max=100), _no_nul("A grade")])


class BulkNominationsSchema(Schema):
    rows = fields.List(fields.Nested(BulkRowSchema), required=True, validate=validate.Length(min=1, max=5000))


class BulkQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Check only: nothing is written"})


class BulkRowResultSchema(Schema):
    row = fields.Integer(
        required=True, metadata={"description": "As in a spreadsheet: the first person is row 2"}
    )
    email = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "new, known, already_enrolled or error"})
    problems = fields.List(fields.String(), required=True)


class BulkResultSchema(Schema):
    dry_run = fields.Boolean(required=True)
    imported = fields.Boolean(required=True)
    summary = fields.String(required=True)
    problems = fields.List(
        fields.String(), required=True, metadata={"description": "Row n: …, then whole-import problems"}
    )
    rows = fields.List(fields.Nested(BulkRowResultSchema), required=True)


CHECKPOINTS = ["baseline", "midpoint", "final"]


class AssessmentQuerySchema(Schema):
    checkpoint = fields.String(
        required=True,
        validate=validate.OneOf(CHECKPOINTS, error="Checkpoint must be one of: baseline, midpoint, final"),
        metadata={"description": "baseline, midpoint or final"},
    )


class SkillLevelSchema(Schema):
    skill_id = fields.Integer(required=True)
    skill = fields.String(required=True, metadata={"description": "The skill's name"})
    target_level = fields.Integer(required=True)
    level = fields.Integer(allow_none=True, metadata={"description": "The facilitator's level, or null"})
    self_level = fields.Integer(allow_none=True, metadata={"description": "The person's own level, or null"})


class PersonAssessmentsSchema(Schema):
    enrolment_id = fields.Integer(required=True)
    name = fields.String(required=True)
    department = fields.String(allow_none=True, metadata={"description": "The department's code"})
    status = fields.String(required=True, validate=validate.OneOf(ENROLMENT_STATUSES))
    skills = fields.List(fields.Nested(SkillLevelSchema), required=True)


class DepartmentQuerySchema(Schema):
    cohort = fields.String(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "One of the department's cohorts (its slug), or all (the default)"},
    )


class DepartmentRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class DepartmentFiguresSchema(Schema):
    """The department outcome report's figures, keyed by the headings of its page and XLSX."""

    department = fields.Nested(DepartmentRefSchema, required=True)
    cohort = fields.String(allow_none=True, metadata={"description": "The one cohort's slug, or null: all"})
    summary = fields.Dict(required=True, metadata={"description": "The headline figures"})
    cohorts = fields.List(fields.Dict(), required=True, metadata={"description": "Per cohort, then all"})
    skills_uplift = fields.List(fields.Dict(), required=True)
    projects = fields.List(fields.Dict(), required=True)
    ethics = fields.Dict(required=True)
