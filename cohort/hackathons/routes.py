"""Hackathon pages: departments' challenges, a hackathon's challenges on offer and settings,
teams, submissions, judging and results.

Who may do what (docs/rules.md §1.4): programme managers everything; facilitators run the teams
of the cohorts they are assigned to and judge when invited; participants create, join
and leave a team, and hand in their team's work; sponsors propose challenges for their
department, see its challenges and the work made on them, and judge when invited.
Everyone in a cohort sees its published results. Something outside a person's scope is
404; the wrong role is 403.

This module has the challenges, a hackathon's page and its settings; teams.py the teams and
work.py submissions, judging and results. Pages that edit a challenge, the settings or a team
carry its version (docs/decisions/0004-optimistic-edits-and-limits.md).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cohort.auth.access import admin_required, refuse, roles_required
from cohort.concurrency import StaleEdit, keep_typed, version_of
from cohort.domain.times import london_date, london_to_utc
from cohort.extensions import db
from cohort.filters import LONDON
from cohort.form_results import page_status, show_error
from cohort.forms import ConfirmForm
from cohort.hackathons import bp, service
from cohort.hackathons.common import hackathon_in, my_enrolment, page_context
from cohort.hackathons.forms import ChallengeForm, SettingsForm
from cohort.hackathons.service import ChallengeDetails, HackathonError
from cohort.lookups import found_or_404
from cohort.models import (
    Challenge,
    ChallengeStatus,
    Department,
    HackathonChallenge,
    HackathonSettings,
    Role,
    Session,
    Submission,
    Team,
)
from cohort.policy import is_sponsor, may_manage_cohort

# Challenges ------------------------------------------------------------------------------


def _challenge_for(challenge_id: int) -> Challenge:
    challenge = found_or_404(Challenge, challenge_id)
    if is_sponsor(current_user) and challenge.department_id != current_user.department_id:
        refuse(404, f"challenge {challenge_id} of another department")
    return challenge


@bp.route("/challenges")
@roles_required(Role.ADMIN, Role.SPONSOR)
def list_challenges():
    query = select(Challenge).order_by(Challenge.status.desc(), Challenge.title)
    if is_sponsor(current_user):
        query = query.where(Challenge.department_id == current_user.department_id)
    challenges = db.session.scalars(query).all()
    return render_template(
        "hackathons/challenges.html",
        title="Challenges" if current_user.is_admin else "Your department's challenges",
        proposed=[c for c in challenges if c.status == ChallengeStatus.PROPOSED],
        accepted=[c for c in challenges if c.status == ChallengeStatus.ACCEPTED],
        confirm_form=ConfirmForm(),
    )


def _department_choices(form: ChallengeForm) -> None:
    if is_sponsor(current_user):
        department = current_user.department
        form.department.choices = [(str(department.id), department.name)]
    else:
        departments = db.session.scalars(select(Department).order_by(Department.name)).all()
        form.department.choices = [("", "Choose a department")] + [(str(d.id), d.name) for d in departments]


def _details(form: ChallengeForm) -> ChallengeDetails:
    return ChallengeDetails(
        title=form.title.data,
        problem_statement=form.problem_statement.data,
        department_id=int(form.department.data),
        data_available=form.data_available.data,
        data_sensitivity=form.data_sensitivity.data,
        success_looks_like=form.success_looks_like.data,
        contact=form.contact.data,
    )


@bp.route("/challenges/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.SPONSOR)
def create_challenge():
    form = ChallengeForm()
    _department_choices(form)
    if request.method == "GET" and is_sponsor(current_user):
        form.department.data = str(current_user.department_id)
    if form.validate_on_submit():
        try:
            challenge = service.create_challenge(current_user, _details(form))
        except HackathonError as error:
            show_error(form, error, "title")
        else:
            if challenge.accepted:
                flash(f"Challenge {challenge.title} added.", "success")
            else:
                flash(f"Challenge {challenge.title} proposed. A programme manager will review it.", "success")
            return redirect(url_for("hackathons.show_challenge", challenge_id=challenge.id))
    title = "Add a challenge" if current_user.is_admin else "Propose a challenge"
    return render_template("hackathons/challenge_form.html", title=title, form=form, challenge=None), (
        page_status(form)
    )


@bp.route("/challenges/<id:challenge_id>")
@roles_required(Role.ADMIN, Role.SPONSOR)
def show_challenge(challenge_id: int):
    challenge = _challenge_for(challenge_id)
    offers = db.session.scalars(
        select(Session)
        .join(HackathonChallenge, HackathonChallenge.session_id == Session.id)
        .where(HackathonChallenge.challenge_id == challenge.id)
        .order_by(Session.starts_at)
    ).all()
    submissions = db.session.scalars(
        select(Submission)
        .join(Team, Team.id == Submission.team_id)
        .join(Session, Session.id == Team.session_id)
        .where(Team.challenge_id == challenge.id)
        .order_by(Session.starts_at, Team.name)
    ).all()
    return render_template(
        "hackathons/challenge.html",
        title=challenge.title,
        challenge=challenge,
        offers=offers,
        submissions=submissions,
        confirm_form=ConfirmForm(),
    )


@bp.route("/challenges/<id:challenge_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_challenge(challenge_id: int):
    challenge = _challenge_for(challenge_id)
    form = ChallengeForm()
    _department_choices(form)
    stale = None
    if request.method == "GET":
        form.process(obj=challenge)
        _department_choices(form)
        form.department.data = str(challenge.department_id)
        form.data_sensitivity.data = challenge.data_sensitivity.value
        form.version.data = version_of(service.CHALLENGE, challenge)
    if form.validate_on_submit():
        try:
            service.update_challenge(current_user, challenge, _details(form), form.version.data)
        except StaleEdit as error:
            keep_typed(form, error)
            stale = error
        except HackathonError as error:
            show_error(form, error, "title")
        else:
            flash(f"Challenge {challenge.title} updated.", "success")
            return redirect(url_for("hackathons.show_challenge", challenge_id=challenge.id))
    return render_template(
        "hackathons/challenge_form.html",
        title=f"Edit {challenge.title}",
        form=form,
        challenge=challenge,
        stale=stale,
    ), page_status(form, conflict=bool(stale))


@bp.route("/challenges/<id:challenge_id>/accept", methods=["POST"])
@admin_required
def accept_challenge(challenge_id: int):
    challenge = _challenge_for(challenge_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.accept_challenge(current_user, challenge)
        flash(f"Challenge {challenge.title} accepted: it can now be offered in hackathons.", "success")
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.show_challenge", challenge_id=challenge.id))


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>")
@login_required
def show_hackathon(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    enrolment = my_enrolment(cohort)
    team = service.team_of(session, enrolment)
    return render_template(
        "hackathons/hackathon.html",
        title=session.title,
        challenges=service.offered_challenges(session),
        enrolment=enrolment,
        team=team,
        team_count=len(service.teams_of(session)) if may_manage_cohort(current_user, cohort) else None,
        confirm_form=ConfirmForm(),
        **page_context(cohort, session),
    )


def _settings_form(session: Session, settings: HackathonSettings) -> SettingsForm:
    """The settings form, offering the accepted challenges; on GET filled from what is saved."""
    form = SettingsForm()
    accepted = db.session.scalars(
        select(Challenge).where(Challenge.status == ChallengeStatus.ACCEPTED).order_by(Challenge.title)
    ).all()
    form.challenges.choices = [(str(c.id), f"{c.title} ({c.department.code})") for c in accepted]
    if request.method == "GET":
        form.team_size_min.data = settings.team_size_min
        form.team_size_max.data = settings.team_size_max
        if settings.submission_deadline:
            form.deadline_date.data = london_date(settings.submission_deadline)
            form.deadline_time.process_data(settings.submission_deadline.astimezone(LONDON).time())
        form.challenges.data = [str(c.id) for c in service.offered_challenges(session)]
        form.version.data = version_of(service.HACKATHON_SETTINGS, session)
    return form


def _save_settings(form: SettingsForm, session: Session) -> None:
    deadline = None
    if form.deadline_date.data and form.deadline_time.time:
        deadline = london_to_utc(form.deadline_date.data, form.deadline_time.time)
    service.save_settings(
        current_user,
        session,
        form.team_size_min.data,
        form.team_size_max.data,
        deadline,
        [int(v) for v in form.challenges.data],
        form.version.data,
    )


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/settings", methods=["GET", "POST"])
@admin_required
def hackathon_settings(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    form = _settings_form(session, service.settings_for(session))
    stale = None
    if form.validate_on_submit():
        try:
            _save_settings(form, session)
        except StaleEdit as error:
            keep_typed(form, error)
            stale = error
        except HackathonError as error:
            show_error(form, error, "team_size_min")
        else:
            flash("Hackathon settings saved.", "success")
            return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/settings.html",
        title=f"Settings: {session.title}",
        form=form,
        stale=stale,
        **page_context(cohort, session),
    ), page_status(form, conflict=bool(stale))


from cohort.hackathons import teams, work  # noqa: E402,F401 - their routes, on the same blueprint
