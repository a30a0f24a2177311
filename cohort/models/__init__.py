"""All models, imported here so Alembic and the app see every table."""

from cohort.models.api_tokens import ApiToken
from cohort.models.attendance import AttendanceMark, CatchUp, CheckIn, CheckInAttempt, MarkSource
from cohort.models.audit import AuditEvent
from cohort.models.certificate import Certificate
from cohort.models.cohort import (
    CLOSED_STATUSES,
    BankHolidayDivision,
    Cohort,
    CohortStatus,
    cohort_facilitators,
)
from cohort.models.department import Department, DepartmentAlias
from cohort.models.enrolment import Enrolment, EnrolmentStatus, FinalOutcome, OutcomeOverride
from cohort.models.erasures import Erasure as Erasure
from cohort.models.hackathons import (
    Challenge,
    ChallengeStatus,
    DataSensitivity,
    HackathonChallenge,
    HackathonJudge,
    HackathonSettings,
    Score,
    Submission,
    Team,
    TeamMember,
)
from cohort.models.messages import EmailPreference, JobRun, JobState, Message, MessageStatus
from cohort.models.privacy_exports import DataExport as DataExport
from cohort.models.report_version import ReportVersion as ReportVersion
from cohort.models.reports import ReportPdf as ReportPdf
from cohort.models.retention_runs import RetentionRun as RetentionRun
from cohort.models.schedule import CalendarFeed, Session
from cohort.models.security import (
    RecoveryCode,
    SecondFactor,
    SignInAttempt,
    SignInIdentity,
    UserSession,
)
from cohort.models.skills import Assessment, CohortSkill, LearningLogComment, LearningLogEntry, Skill
from cohort.models.user import Role, User, normalise_email

__all__ = [
    "ApiToken",
    "Assessment",
    "AttendanceMark",
    "AuditEvent",
    "BankHolidayDivision",
    "CalendarFeed",
    "Certificate",
    "Challenge",
    "ChallengeStatus",
    "DataSensitivity",
    "HackathonChallenge",
    "HackathonJudge",
    "HackathonSettings",
    "Score",
    "Submission",
    "Team",
    "TeamMember",
    "CatchUp",
    "CheckIn",
    "CheckInAttempt",
    "Cohort",
    "CohortSkill",
    "CohortStatus",
    "CLOSED_STATUSES",
    "Department",
    "DepartmentAlias",
    "EmailPreference",
    "Enrolment",
    "EnrolmentStatus",
    "FinalOutcome",
    "JobRun",
    "JobState",
    "LearningLogComment",
    "LearningLogEntry",
    "MarkSource",
    "Message",
    "MessageStatus",
    "OutcomeOverride",
    "Role",
    "Session",
    "RecoveryCode",
    "SecondFactor",
    "SignInAttempt",
    "SignInIdentity",
    "UserSession",
    "Skill",
    "User",
    "cohort_facilitators",
    "normalise_email",
]
