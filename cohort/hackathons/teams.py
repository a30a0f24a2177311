"""Hackathon team pages: the staff's teams page, creating, changing, joining and leaving a team,
adding and taking out members, and forming teams for everyone not yet in one.

Staff forms that change a team carry its version (docs/decisions/0004-optimistic-edits-and-limits.md):
the change page its name and challenge (service.TEAM), the add and take-out forms its members
(service.TEAM_MEMBERS). A save over a newer change is refused with what changed; the page then
shows the team as it is, with the current versions, so saving again goes through. A participant
joining or leaving acts on their own place, which is checked against the limits, not a version.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from cohort.auth.access import refuse, roles_required
from cohort.concurrency import VERSION_FIELD, StaleEdit, keep_typed, version_of
from cohort.domain.formatting import plural
from cohort.extensions import db
from cohort.form_results import page_status, show_error
from cohort.forms import ConfirmForm
from cohort.hackathons import bp, service
from cohort.hackathons.common import (
    challenge_choices,
    chosen_challenge,
    hackathon_in,
    my_enrolment,
    page_context,
    require_staff,
    team_in,
)
from cohort.hackathons.forms import AddMemberForm, AutoFormForm, JoinForm, TeamForm
from cohort.hackathons.service import HackathonError
from cohort.lookups import found_or_404
from cohort.models import Cohort, Enrolment, EnrolmentStatus, Role, Session, Team
from cohort.policy import STAFF, is_participant


def _teams_page(cohort, session, auto_form=None, add_forms=None, status=200, stale: StaleEdit | None = None):
    """The teams as they are now, each add and take-out form with the team's current version."""
    teams = service.teams_of(session)
    unplaced = service.unplaced(session)
    add_forms = add_forms or {}
    versions = {team.id: version_of(service.TEAM_MEMBERS, team) for team in teams}
    for team in teams:
        if team.id not in add_forms:
            add_forms[team.id] = AddMemberForm(prefix=f"team-{team.id}")
        add_forms[team.id].version.data = versions[team.id]
        add_forms[team.id].enrolment.choices = [("", "Choose a participant")] + [
            (
                str(e.id),
                f"{e.user.full_name} ({e.user.department.code if e.user.department else 'no department'})",
            )
            for e in unplaced
        ]
    form = auto_form or AutoFormForm()
    if form.size.data is None and not form.errors:
        form.size.data = min(4, service.settings_for(session).team_size_max)
    return render_template(
        "hackathons/teams.html",
        title=f"Teams: {session.title}",
        teams=teams,
        unplaced=unplaced,
        form=form,
        add_forms=add_forms,
        versions=versions,
        confirm_form=ConfirmForm(),
        stale=stale,
        **page_context(cohort, session),
    ), (409 if stale else status)


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams")
@roles_required(*STAFF)
def teams(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    require_staff(cohort)
    return _teams_page(cohort, session)


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.PARTICIPANT)
def create_team(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    enrolment = my_enrolment(cohort)
    if is_participant(current_user):
        if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
            refuse(403, "not an active participant of this cohort")
    else:
        require_staff(cohort)
    form = TeamForm()
    challenge_choices(session, form.challenge)
    if form.validate_on_submit():
        try:
            team = service.create_team(
                current_user, session, form.name.data, chosen_challenge(form.challenge), founder=enrolment
            )
        except HackathonError as error:
            show_error(form, error, "name")
        else:
            if enrolment is not None:
                flash(
                    f"Team {team.name} created. Share its join code {team.join_code} with your team.",
                    "success",
                )
                return redirect(
                    url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id)
                )
            flash(f"Team {team.name} created.", "success")
            return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/team_form.html",
        title="Create a team",
        form=form,
        team=None,
        **page_context(cohort, session),
    ), page_status(form)


def _member_or_staff(cohort: Cohort, session: Session, team: Team, enrolment: Enrolment | None) -> None:
    """A participant changes only their own team (another answers 404); else the cohort's staff."""
    if is_participant(current_user):
        mine = service.team_of(session, enrolment)
        if mine is None or mine.id != team.id:
            refuse(404, "not in this team")
    else:
        require_staff(cohort)


def _back_from_team(cohort: Cohort, session: Session, team: Team, enrolment: Enrolment | None) -> str:
    """Members go back to the hackathon, staff to the team on the teams page."""
    if enrolment is not None:
        return url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id)
    return url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id, _anchor=f"team-{team.id}")


def _team_form(session: Session, team: Team) -> TeamForm:
    """The team form with the hackathon's challenges; on GET filled from the team."""
    form = TeamForm()
    challenge_choices(session, form.challenge)
    if request.method == "GET":
        form.name.data = team.name
        form.challenge.data = str(team.challenge_id or "")
        form.version.data = version_of(service.TEAM, team)
    return form


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/<id:team_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.PARTICIPANT)
def edit_team(slug: str, hackathon_id: int, team_id: int):
    """Rename a team or change its challenge: the cohort's staff, or a member of the team."""
    cohort, session = hackathon_in(slug, hackathon_id)
    team = team_in(session, team_id)
    enrolment = my_enrolment(cohort)
    _member_or_staff(cohort, session, team, enrolment)
    back = _back_from_team(cohort, session, team, enrolment)
    form = _team_form(session, team)
    stale = None
    if form.validate_on_submit():
        try:
            changed = service.update_team(
                current_user, team, form.name.data, chosen_challenge(form.challenge), form.version.data
            )
        except StaleEdit as error:
            keep_typed(form, error)
            stale = error
        except HackathonError as error:
            show_error(form, error, "name")
        else:
            flash(
                f"Team {team.name} saved." if changed else "Nothing changed: the team is as it was.",
                "success",
            )
            return redirect(back)
    return render_template(
        "hackathons/team_form.html",
        title=f"Change team {team.name}",
        form=form,
        team=team,
        back=back,
        stale=stale,
        **page_context(cohort, session),
    ), page_status(form, conflict=bool(stale))


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/join", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT)
def join_team(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    enrolment = my_enrolment(cohort)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        refuse(403, "not an active participant of this cohort")
    form = JoinForm()
    if form.validate_on_submit():
        try:
            team = service.join_team(current_user, session, enrolment, form.code.data)
        except HackathonError as error:
            show_error(form, error, "code")
        else:
            flash(f"You joined team {team.name}.", "success")
            return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/join.html", title="Join a team", form=form, **page_context(cohort, session)
    ), page_status(form)


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/<id:team_id>/leave", methods=["POST"])
@roles_required(Role.PARTICIPANT)
def leave_team(slug: str, hackathon_id: int, team_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    team = team_in(session, team_id)
    enrolment = my_enrolment(cohort)
    mine = service.team_of(session, enrolment)  # None for someone not enrolled
    if enrolment is None or mine is None or mine.id != team.id:
        refuse(404, "not in this team")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.remove_member(current_user, team, enrolment)
        flash(f"You left team {team.name}.", "success")
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/<id:team_id>/members", methods=["POST"])
@roles_required(*STAFF)
def add_member(slug: str, hackathon_id: int, team_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    require_staff(cohort)
    team = team_in(session, team_id)
    form = AddMemberForm(prefix=f"team-{team.id}")
    form.enrolment.choices = [("", "")] + [(str(e.id), "") for e in service.unplaced(session)]
    if form.validate_on_submit():
        enrolment = db.session.get(Enrolment, int(form.enrolment.data))
        assert enrolment is not None  # the form accepts only the ids of the enrolments unplaced() read
        try:
            service.add_member(current_user, team, enrolment, form.version.data)
        except StaleEdit as error:
            keep_typed(form, error)
            return _teams_page(cohort, session, add_forms={team.id: form}, stale=error)
        except HackathonError as error:
            show_error(form, error, "enrolment")
        else:
            flash(f"{enrolment.user.full_name} added to team {team.name}.", "success")
            return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))
    elif not form.errors:
        form.enrolment.errors = ["Choose a participant from the list"]
    return _teams_page(cohort, session, add_forms={team.id: form}, status=400)


@bp.route(
    "/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/<id:team_id>/members/<id:enrolment_id>/remove",
    methods=["POST"],
)
@roles_required(*STAFF)
def remove_member(slug: str, hackathon_id: int, team_id: int, enrolment_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    require_staff(cohort)
    team = team_in(session, team_id)
    enrolment = found_or_404(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        refuse(404, "enrolment of another cohort")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    version = request.form.get(VERSION_FIELD, "")[:40]
    try:
        service.remove_member(current_user, team, enrolment, version)
        flash(f"{enrolment.user.full_name} taken out of team {team.name}.", "success")
    except StaleEdit as error:
        db.session.rollback()
        return _teams_page(cohort, session, stale=error)
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/auto", methods=["POST"])
@roles_required(*STAFF)
def auto_form_teams(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    require_staff(cohort)
    form = AutoFormForm()
    if form.validate_on_submit():
        try:
            made = service.auto_form_teams(current_user, session, form.size.data)
        except HackathonError as error:
            show_error(form, error, "size")
        else:
            flash(f"{plural(len(made), 'new team')} formed.", "success")
            return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))
    return _teams_page(cohort, session, auto_form=form, status=400)
