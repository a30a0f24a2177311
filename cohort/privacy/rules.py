"""How long each kind of personal data is kept (docs/personal-data.md §3).

Each rule has a setting (an environment variable read by cohort/config.py) and a default
with its reason. The register (register.py) names a rule for every table it declares, and
the retention job (cohort/privacy/retention/service.py) applies them. Only this module says
how long. A rule with no setting is fixed in code where it is applied (``applied_by``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KEPT = "kept"  # the unit of a rule that never removes rows on a timer (audit events)


@dataclass(frozen=True)
class RetentionRule:
    key: str  # used by the register's declarations and the job's audit events
    label: str  # what is removed, in plain English: "Learning log text"
    setting: str  # the environment variable, e.g. "RETAIN_LEARNING_LOG_MONTHS"; "" when fixed
    unit: str  # "days", "months", "years" or KEPT
    default: int
    reason: str  # why this long, shown on the privacy notice and the admin page
    counted_from: str  # "after the person's last cohort ends", "after it was written"...
    removes: str = ""  # what the job does when it is due, for docs and the admin page
    applied_by: str = "the nightly retention job"  # where the rule is applied

    def amount(self, config: Mapping[str, Any] | None = None) -> int:
        """The period in force: the setting's value when configured, else the default."""
        if self.setting and config is not None and self.setting in config:
            return int(config[self.setting])
        return self.default

    def period_text(self, config: Mapping[str, Any] | None = None) -> str:
        """ "2 years after the person's last cohort ends", for pages and the CLI."""
        if self.unit == KEPT:
            return self.counted_from
        amount = self.amount(config)
        unit = self.unit[:-1] if amount == 1 else self.unit
        return f"{amount} {unit} {self.counted_from}"


# Keys are stable: the register's declarations and the retention job's audit events use them.
RETENTION_RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        key="personal_details",
        label="Participants' personal details",
        setting="RETAIN_PARTICIPANT_YEARS",
        unit="years",
        default=2,
        reason=(
            "Departments report learning outcomes for the financial year in which a cohort ends and "
            "the one after, and employers and promotion boards check certificates over the same "
            "period; after two years the anonymous figures are enough."
        ),
        counted_from="after the person's last cohort ends",
        removes=(
            "The person is erased (docs/personal-data.md §4): name, e-mail, job title, free text, "
            "sign-in records and credentials go; attendance, outcomes and department stay as "
            "anonymous rows so reports keep their figures. Staff accounts with no enrolment are "
            "kept while the account is open and erased on request."
        ),
    ),
    RetentionRule(
        key="learning_log_text",
        label="Learning log text",
        setting="RETAIN_LEARNING_LOG_MONTHS",
        unit="months",
        default=12,
        reason=(
            "Reflections support the person's learning and their next performance review; a year "
            "after the cohort they have served that purpose. Hours and dates stay, so learning-hours "
            "figures do not change."
        ),
        counted_from="after the cohort ends",
        removes=(
            "The activity, reflection and link of each learning-log entry are cleared and the "
            "facilitators' comments on it deleted; the entry's date and hours stay."
        ),
    ),
    RetentionRule(
        key="sign_in_records",
        label="Sign-in records",
        setting="RETAIN_SIGN_IN_DAYS",
        unit="days",
        default=90,
        reason=(
            "Long enough to investigate a misused account or a lockout reported within a quarter; "
            "older attempts say nothing useful about the account's safety."
        ),
        counted_from="after the attempt or session",
        removes=(
            "Sign-in attempts (address and IP address), session check-in attempts, and signed-in "
            "sessions last seen before then."
        ),
    ),
    RetentionRule(
        key="email_log",
        label="E-mail log",
        setting="RETAIN_EMAIL_DAYS",
        unit="days",
        default=90,
        reason=(
            'The programme team answers "did I get the e-mail?" and looks into failed deliveries '
            "for a few weeks; after that the content is not needed."
        ),
        counted_from="after the e-mail was queued",
        removes=(
            "The address, subject, body, personalisation and attachment of each sent or failed "
            "e-mail are cleared; the row's key stays so the same e-mail is never sent twice."
        ),
    ),
    RetentionRule(
        key="nomination_uploads",
        label="Nomination spreadsheets",
        setting="",
        unit="days",
        default=1,
        reason="An upload is only needed between its preview and its import.",
        counted_from="after the upload",
        removes="The uploaded file is deleted once imported, when replaced, and in any case after a day.",
        applied_by="every upload (cohort/nominations/storage.py)",
    ),
    RetentionRule(
        key="subject_access_exports",
        label="Subject access exports",
        setting="",
        unit="days",
        default=7,
        reason="Long enough for the person to download their copy; a copy kept longer is one more to protect.",
        counted_from="after the export is built",
        removes="The export's ZIP and its row are deleted (docs/personal-data.md §2).",
        applied_by="the subject access export's own nightly job",
    ),
    RetentionRule(
        key="audit_trail",
        label="Audit trail",
        setting="",
        unit=KEPT,
        default=0,
        reason=(
            "The audit trail shows who changed what and when, and must stay whole to verify; "
            "it is append-only."
        ),
        counted_from="Kept; personal values are scrubbed when the person is erased",
        removes="Nothing on a timer; erasure replaces the person's values in events about them.",
        applied_by="erasure (docs/personal-data.md §4)",
    ),
)


def rule(key: str) -> RetentionRule:
    for candidate in RETENTION_RULES:
        if candidate.key == key:
            return candidate
    raise KeyError(key)
