"""Completion rules, outcomes with reasons, overrides and finishing a cohort."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from cohort.auth.access import admin_required, cohort_for, roles_required
from cohort.cohorts.queries import stage_view
from cohort.concurrency import StaleEdit, keep_typed, version_of
from cohort.domain.completion import DEFAULT_RULES, Outcome
from cohort.domain.formatting import whole_percent
from cohort.extensions import db
from cohort.lookups import found_or_404
from cohort.models import Cohort, CohortStatus, Enrolment, Role
from cohort.models.base import utcnow
from cohort.policy import department_scope, is_programme_manager

from . import bp
from .forms import FinishForm, OverrideForm, SettingsForm
from .queries import cohort_outcomes
from .routes_certificates import cohort_certificates
from .service import (
    COMPLETION_RULES,
    CompletionError,
    Settings,
    finish,
    is_closed,
    override,
    update_settings,
)

DEFAULTS = {
    "min_attendance": whole_percent(DEFAULT_RULES.min_attendance),
    "skills_at_target": whole_percent(DEFAULT_RULES.skills_at_target),
}


def _managed_cohort(slug: str) -> Cohort:
    """Admins see every cohort; facilitators theirs; sponsors those with their department's people."""
    return cohort_for(current_user, slug)


def _enrolment_in(cohort: Cohort, enrolment_id: int) -> Enrolment:
    enrolment = found_or_404(Enrolment, enrolment_id, cohort_id=cohort.id)
    return enrolment


RULES_SAVED = "Completion rules saved. Outcomes now follow the new rules."
RULES_UNCHANGED = "Nothing changed: the completion rules are as they were."


def _fill_settings_form(form: SettingsForm, cohort: Cohort) -> None:
    form.min_attendance.data = whole_percent(cohort.min_attendance)
    form.skills_at_target.data = whole_percent(cohort.skills_at_target)
    form.require_mandatory.data = cohort.require_mandatory
    form.require_hackathon.data = cohort.require_hackathon
    form.at_risk_emails.data = cohort.at_risk_emails
    form.version.data = version_of(COMPLETION_RULES, cohort)


def _settings_of(form: SettingsForm) -> Settings:
    return Settings(
        form.min_attendance.data,
        form.require_mandatory.data,
        form.require_hackathon.data,
        form.skills_at_target.data,
        form.at_risk_emails.data,
    )


@bp.route("/cohorts/<slug>/completion-rules", methods=["GET", "POST"])
@admin_required
def settings(slug: str):
    cohort = _managed_cohort(slug)
    closed = is_closed(cohort)
    form = SettingsForm()
    stale = None
    if request.method == "GET":
        _fill_settings_form(form, cohort)
    elif closed:
        flash(f"{cohort.name} is {cohort.status.value}: its completion rules can no longer change.", "error")
        return redirect(url_for("completion.settings", slug=cohort.slug))
    elif form.validate_on_submit():
        try:
            changed = update_settings(current_user, cohort, _settings_of(form), form.version.data)
        except StaleEdit as error:
            keep_typed(form, error)
            stale = error
        except CompletionError as error:
            db.session.rollback()
            getattr(form, error.field or "min_attendance").errors = [str(error)]
        else:
            flash(RULES_SAVED if changed else RULES_UNCHANGED, "success")
            return redirect(url_for("completion.outcomes", slug=cohort.slug))
    return render_template(
        "completion/settings.html",
        title=f"Completion rules – {cohort.name}",
        cohort=cohort,
        form=form,
        closed=closed,
        defaults=DEFAULTS,
        stale=stale,
    ), (409 if stale else 400 if form.errors else 200)


@bp.route("/cohorts/<slug>/outcomes")
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.SPONSOR)
def outcomes(slug: str):
    cohort = _managed_cohort(slug)
    only = department_scope(current_user)
    now = utcnow()
    data = cohort_outcomes(cohort, now, department_id=only)
    return render_template(
        "completion/outcomes.html",
        title=f"Outcomes – {cohort.name}",
        cohort=cohort,
        data=data,
        stage=stage_view(cohort, now),
        certificates=cohort_certificates(cohort, only) if cohort.status.closed else [],
        sponsor_view=only is not None,
        is_admin=is_programme_manager(current_user),
    )


@bp.route("/cohorts/<slug>/outcomes/<id:enrolment_id>/override", methods=["GET", "POST"])
@admin_required
def override_outcome(slug: str, enrolment_id: int):
    cohort = _managed_cohort(slug)
    enrolment = _enrolment_in(cohort, enrolment_id)
    now = utcnow()
    found = cohort_outcomes(cohort, now)
    row = next(r for r in found.rows if r.enrolment.id == enrolment.id)
    allowed = (found.over or found.finished) and cohort.status != CohortStatus.ARCHIVED
    allowed = allowed and enrolment.status.value not in ("withdrawn", "transferred")
    form = OverrideForm()
    if request.method == "GET" and row.standing.override is not None:
        form.outcome.data = row.standing.override.outcome.value
    if request.method == "POST" and not allowed:
        flash(_not_now(cohort, enrolment), "error")
        return redirect(url_for("completion.outcomes", slug=cohort.slug))
    if form.validate_on_submit():
        try:
            override(current_user, enrolment, form.outcome.data, form.reason.data, now)
        except CompletionError as error:
            db.session.rollback()
            if error.field in ("outcome", "reason"):
                getattr(form, error.field).errors = [str(error)]
            else:
                flash(str(error), "error")
                return redirect(url_for("completion.outcomes", slug=cohort.slug))
        else:
            flash(f"Outcome of {enrolment.user.full_name} saved with your reason.", "success")
            return redirect(url_for("completion.outcomes", slug=cohort.slug) + f"#enrolment-{enrolment.id}")
    return render_template(
        "completion/override.html",
        title=f"Override the outcome of {enrolment.user.full_name}",
        cohort=cohort,
        enrolment=enrolment,
        row=row,
        form=form,
        allowed=allowed,
        why_not=None if allowed else _not_now(cohort, enrolment),
    ), (400 if form.errors else 200)


def _not_now(cohort: Cohort, enrolment: Enrolment) -> str:
    if enrolment.status.value in ("withdrawn", "transferred"):
        return f"{enrolment.user.full_name} has {enrolment.status.label.lower()}: there is no outcome to override."
    if cohort.status == CohortStatus.ARCHIVED:
        return f"{cohort.name} is archived: its outcomes can no longer change."
    return (
        "Outcomes can be overridden once the cohort’s last session has ended "
        f"({cohort.end_date.day} {cohort.end_date:%B %Y} at the earliest)."
    )


@bp.route("/cohorts/<slug>/finish", methods=["GET", "POST"])
@admin_required
def finish_cohort(slug: str):
    cohort = _managed_cohort(slug)
    form = FinishForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            counts = finish(current_user, cohort, utcnow())
        except CompletionError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("completion.outcomes", slug=cohort.slug))
        flash(
            f"{cohort.name} is finished: {counts[Outcome.COMPLETED]} completed, "
            f"{counts[Outcome.NOT_COMPLETED]} not completed. Outcomes are recorded.",
            "success",
        )
        return redirect(url_for("completion.outcomes", slug=cohort.slug))
    now = utcnow()
    data = cohort_outcomes(cohort, now)
    return render_template(
        "completion/finish.html",
        title=f"Finish {cohort.name}",
        cohort=cohort,
        data=data,
        stage=stage_view(cohort, now),
        form=form,
        Outcome=Outcome,
    ), (400 if form.errors else 200)
