"""E-mails about completion (docs/messages.md, "At risk, certificates, reports ready, hackathons").

- `at_risk`: the weekly note to a participant whose standing has become at risk;
- `department_at_risk`: the weekly summary to each sponsor of a department with people at risk;
- `certificate_issued`: to a participant given a certificate (records.service.issue calls it);
- `department_report_ready`: to the sponsors of each department with people in a finished cohort.

The weekly ones are sent by `weekly_at_risk`, a periodic job that acts only on Monday between
08:00 and 10:00 in London (huey's clock is UTC); `queue_weekly_at_risk(now)` does the work for a
given instant, so tests and the demo seed choose it. Every message is keyed (the week, the
certificate, the cohort), so a second run, or two workers at once, send nothing more.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from sqlalchemy import select

from cohort.domain.attendance import percentage
from cohort.domain.completion import Outcome, Standing, State
from cohort.domain.times import LONDON
from cohort.extensions import db
from cohort.jobs import crontab, periodic_job
from cohort.messages.links import service_url
from cohort.messages.outbox import queue_message
from cohort.models import Cohort, CohortStatus, Department, Enrolment, EnrolmentStatus, Message, Role, User
from cohort.models.base import utcnow
from cohort.models.certificate import Certificate

from .queries import CohortOutcomes, OutcomeRow, cohort_outcomes

log = logging.getLogger("cohort.completion.messages")

DIGEST_DAY = 0  # Monday
DIGEST_HOURS = range(8, 10)  # 08:00 to 09:59, London time


# When ------------------------------------------------------------------------------------------


def digest_due(now: datetime) -> bool:
    """Is `now` in the Monday morning window, London time (GMT or BST)?"""
    local = now.astimezone(LONDON)
    return local.weekday() == DIGEST_DAY and local.hour in DIGEST_HOURS


def iso_week(now: datetime) -> str:
    """The ISO week of `now`'s London date: "2026-W48"."""
    year, week, _ = now.astimezone(LONDON).date().isocalendar()
    return f"{year}-W{week:02d}"


# What is at risk, in plain words ------------------------------------------------------------------


def _risks(standing: Standing) -> list:
    return [c for c in standing.checks if c.state == State.AT_RISK]


def risk_fingerprint(standing: Standing) -> str:
    """What the participant was told about, without the figures that move every week: the
    attendance rule by name (its rate changes with every register), the mandatory and hackathon
    rules by the sessions they name. A new missed session changes it; 76% becoming 74% does not."""
    parts = sorted(c.rule if c.rule == "attendance" else f"{c.rule}:{c.reason}" for c in _risks(standing))
    return "|".join(parts)


def _sessions_left(found: CohortOutcomes) -> int:
    return sum(1 for s in found.facts.sessions if not s.cancelled and s.ends_at > found.at)


def attendance_needed(attended: int, counted: int, left: int, limit: Fraction) -> int | None:
    """How many of the `left` sessions still to come must be attended to reach `limit` by the
    end, or None when even all of them would not (the rate as docs/rules.md §3 counts it)."""
    for needed in range(left + 1):
        if Fraction(attended + needed, counted + left) >= limit:
            return needed
    return None


def put_right(found: CohortOutcomes, row: OutcomeRow) -> list[str]:
    """What would put each reason right, one line each."""
    standing, lines = row.standing, []
    for check in _risks(standing):
        if check.rule == "attendance" and standing.figures is not None:
            limit = found.facts.rules.min_attendance
            left = _sessions_left(found)
            figures = standing.figures
            needed = attendance_needed(figures.attended, figures.counted, left, limit)
            if needed is None or left == 0:
                lines.append(
                    f"Attendance: even attending every session still to come would not reach "
                    f"{percentage(limit)}%. Talk to your facilitator about what you can do."
                )
            else:
                lines.append(
                    f"Attendance: attend at least {needed} of the {left} sessions still to come to "
                    f"reach {percentage(limit)}% by the end."
                )
        elif check.rule == "mandatory":
            lines.append(
                "Mandatory sessions: ask your facilitator to book a catch-up for each one you missed. "
                "It counts once the catch-up is recorded."
            )
        elif check.rule == "hackathon":
            lines.append(
                "Hackathons: talk to your facilitator about the hackathon your team did not hand in for."
            )
    return lines


def short_reasons(standing: Standing) -> str:
    return "; ".join(c.reason for c in _risks(standing))


# The weekly digest --------------------------------------------------------------------------------


@dataclass
class WeeklyCounts:
    at_risk: int = 0  # participants at risk in cohorts with the e-mails on
    participants: int = 0  # at_risk messages queued
    sponsors: int = 0  # department_at_risk messages queued


def last_told(rows: list[OutcomeRow]) -> dict[int, str]:
    """Enrolment id → the fingerprint of the last at_risk note queued about it (one query)."""
    by_user = {row.enrolment.user_id: row.enrolment.id for row in rows}
    if not by_user:
        return {}
    found: dict[int, str] = {}
    for key, personalisation in db.session.execute(
        select(Message.key, Message.personalisation)
        .where(Message.kind == "at_risk", Message.recipient_id.in_(by_user))
        .order_by(Message.id)
    ):
        parts = key.split(":")  # at_risk:enrolment:<enrolment>:<recipient>:<week>
        if len(parts) == 5 and parts[2].isdigit() and int(parts[2]) in by_user.values():
            found[int(parts[2])] = str((personalisation or {}).get("risk_fingerprint", ""))
    return found


def has_become_at_risk(row: OutcomeRow, last: str | None, week_before: Standing | None) -> bool:
    """docs/messages.md: at risk now, and never told (`last` is None), or told about other
    reasons, or not at risk a week ago (so falling back into the same risk after recovering is
    news again)."""
    if row.standing.outcome != Outcome.AT_RISK:
        return False
    if last is None or last != risk_fingerprint(row.standing):
        return True
    return week_before is None or week_before.outcome != Outcome.AT_RISK


def _running_cohorts() -> list[Cohort]:
    return list(
        db.session.scalars(
            select(Cohort)
            .where(Cohort.status == CohortStatus.RUNNING, Cohort.at_risk_emails.is_(True))
            .order_by(Cohort.id)
        )
    )


def _tell_participant(found: CohortOutcomes, row: OutcomeRow, week: str) -> bool:
    enrolment = row.enrolment
    message = queue_message(
        "at_risk",
        enrolment.user,
        about=f"enrolment:{enrolment.id}",
        occasion=week,
        context={
            "cohort_name": found.cohort.name,
            "reasons": [c.reason for c in _risks(row.standing)],
            "put_right": put_right(found, row),
            "link": service_url("skills.my_progress"),
            "risk_fingerprint": risk_fingerprint(row.standing),
        },
    )
    return message is not None


def queue_weekly_at_risk(now: datetime) -> WeeklyCounts:
    """The week's at_risk notes and department_at_risk summaries as at `now`, whatever the day
    (the job checks the time; the demo seed and tests call this directly). Commits per cohort."""
    counts = WeeklyCounts()
    week = iso_week(now)
    by_department: dict[int, list[dict[str, str]]] = defaultdict(list)
    for cohort in _running_cohorts():
        active = (EnrolmentStatus.ACTIVE,)
        found = cohort_outcomes(cohort, now, statuses=active)
        at_risk = [r for r in found.rows if r.standing.outcome == Outcome.AT_RISK]
        if not at_risk:
            continue
        before = cohort_outcomes(cohort, now - timedelta(days=7), statuses=active)
        week_before = {r.enrolment.id: r.standing for r in before.rows}
        told = last_told(at_risk)
        for row in at_risk:
            counts.at_risk += 1
            department = row.enrolment.user.department_id
            if department is not None:
                by_department[department].append(
                    {
                        "name": row.enrolment.user.full_name,
                        "cohort": cohort.name,
                        "reasons": short_reasons(row.standing),
                    }
                )
            last = told.get(row.enrolment.id)
            if has_become_at_risk(row, last, week_before.get(row.enrolment.id)) and _tell_participant(
                found, row, week
            ):
                counts.participants += 1
        db.session.commit()
    counts.sponsors = _tell_sponsors(by_department, week)
    db.session.commit()
    return counts


def active_sponsors(department_ids) -> list[User]:
    ids = list(department_ids)
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.SPONSOR, User.department_id.in_(ids), User.is_active_account.is_(True))
            .order_by(User.id)
        )
    )


def _tell_sponsors(by_department: dict[int, list[dict[str, str]]], week: str) -> int:
    sent = 0
    departments = {
        d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(by_department)))
    }
    for sponsor in active_sponsors(by_department):
        department = departments[sponsor.department_id]  # type: ignore[index]
        people = sorted(by_department[department.id], key=lambda p: (p["cohort"], p["name"]))
        message = queue_message(
            "department_at_risk",
            sponsor,
            about=f"department:{department.id}",
            occasion=week,
            context={
                "department_name": department.name,
                "people": people,
                "count": str(len(people)),
                "link": service_url("reports.department_report", code=department.code),
            },
        )
        sent += message is not None
    return sent


@periodic_job(crontab(day_of_week="1", hour="7-9", minute="0,30"))
def weekly_at_risk() -> None:
    """Every half hour on Monday 07:00–09:30 UTC; acts inside 08:00–10:00 London time, so in GMT
    and BST alike. A run that finds the week's notes already queued sends nothing more."""
    now = utcnow()
    if not digest_due(now):
        return
    counts = queue_weekly_at_risk(now)
    log.info(
        "weekly at-risk: %s at risk, %s participants and %s sponsors told",
        counts.at_risk,
        counts.participants,
        counts.sponsors,
    )


# Finishing a cohort ---------------------------------------------------------------------------------


def certificate_issued(certificate: Certificate, enrolment: Enrolment, *, reissued: bool = False) -> None:
    """Tell the participant about the certificate just issued (in the issuer's transaction). A
    re-issue after a correction has a new code, and so its own occasion."""
    occasion = f"reissued-{certificate.issued_at:%Y%m%dT%H%M%S}" if reissued else ""
    queue_message(
        "certificate_issued",
        enrolment.user,
        about=f"certificate:{certificate.id}",
        occasion=occasion,
        context={
            "cohort_name": enrolment.cohort.name,
            "code": certificate.display_code,
            "link": service_url("records.certificate_pdf", enrolment_id=enrolment.id),
            "check_link": service_url("records.check"),
            "reissued": "yes" if reissued else "",
        },
    )


def department_reports_ready(cohort: Cohort) -> int:
    """Tell the sponsors of each department with people recorded in the (just) finished cohort
    that its report is ready; in the caller's transaction. Returns how many were queued."""
    recorded = (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
    rows = db.session.execute(
        select(User.department_id, Enrolment.status)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(
            Enrolment.cohort_id == cohort.id, Enrolment.status.in_(recorded), User.department_id.is_not(None)
        )
    ).all()
    tally: dict[int, dict[str, int]] = defaultdict(lambda: {"completed": 0, "not_completed": 0})
    for department_id, status in rows:
        if department_id is not None:  # filtered above; said again for the type checker
            tally[department_id][status.value] += 1
    if not tally:
        return 0
    departments = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(tally)))}
    sent = 0
    for sponsor in active_sponsors(tally):
        department = departments[sponsor.department_id]  # type: ignore[index]
        counts = tally[department.id]
        message = queue_message(
            "department_report_ready",
            sponsor,
            about=f"cohort:{cohort.id}",
            context={
                "cohort_name": cohort.name,
                "department_name": department.name,
                "completed": str(counts["completed"]),
                "not_completed": str(counts["not_completed"]),
                "link": service_url("reports.department_report", code=department.code, cohort=cohort.slug),
            },
        )
        sent += message is not None
    return sent
