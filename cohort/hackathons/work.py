"""Hackathon pages for the work: a team's submission, judges, scoring and results."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cohort.auth.access import admin_required, refuse, roles_required
from cohort.extensions import db
from cohort.form_results import page_status, show_error
from cohort.forms import ConfirmForm
from cohort.hackathons import bp, service
from cohort.hackathons.common import (
    hackathon_in,
    my_enrolment,
    page_context,
    require_staff,
    team_in,
)
from cohort.hackathons.forms import JudgeForm, ScoreForm, SubmissionForm
from cohort.hackathons.service import HackathonError, SubmissionDetails
from cohort.lookups import found_or_404
from cohort.models import Cohort, HackathonJudge, Role, Score, Session, Submission, Team, User
from cohort.models.base import utcnow
from cohort.models.hackathons import CRITERIA
from cohort.policy import is_participant

# Submissions -----------------------------------------------------------------------------


HANDED_IN = "Your team's work is handed in. You can change it until the deadline."
HANDED_IN_LATE = "Your team's work was handed in late and is marked late."


def _member_or_staff(cohort: Cohort, team: Team) -> bool:
    """Whether the signed-in user is on the team; anyone else must be staff of the cohort
    (a participant of another team is answered 404)."""
    is_member = current_user.id in service.member_user_ids(team)
    if is_participant(current_user) and not is_member:
        refuse(404, "not a member of this team")
    if not is_member:
        require_staff(cohort)
    return is_member


def _submission_editable(session: Session, existing: Submission | None, is_member: bool) -> bool:
    """Members change their team's work until the deadline (the first hand-in may be late)."""
    deadline = service.deadline_of(session)
    now = utcnow()
    return is_member and not session.cancelled and (existing is None or now <= deadline)


def _submission_details(form: SubmissionForm) -> SubmissionDetails:
    return SubmissionDetails(**{name: getattr(form, name).data for name in SubmissionDetails.__annotations__})


@bp.route(
    "/cohorts/<slug>/hackathons/<id:hackathon_id>/teams/<id:team_id>/submission", methods=["GET", "POST"]
)
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.PARTICIPANT)
def submission(slug: str, hackathon_id: int, team_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    team = team_in(session, team_id)
    is_member = _member_or_staff(cohort, team)
    existing = team.submission
    editable = _submission_editable(session, existing, is_member)
    form = SubmissionForm(obj=existing) if request.method == "GET" else SubmissionForm()
    if request.method == "POST":
        if not editable:
            refuse(403, "submission not editable")
        if form.validate_on_submit():
            try:
                saved = service.save_submission(current_user, team, _submission_details(form))
            except HackathonError as error:
                show_error(form, error, "title")
            else:
                flash(HANDED_IN_LATE if saved.late else HANDED_IN, "success")
                return redirect(
                    url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id)
                )
    return render_template(
        "hackathons/submission.html",
        title=f"Submission: team {team.name}",
        form=form,
        team=team,
        submission_=existing,
        editable=editable,
        **page_context(cohort, session),
    ), page_status(form)


# Judging ---------------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/judges", methods=["GET", "POST"])
@admin_required
def judges(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    form = JudgeForm()
    form.user.choices = [("", "Choose a person")] + [
        (str(u.id), f"{u.full_name} ({u.role.label}{', ' + u.department.code if u.department else ''})")
        for u in service.judge_choices(session)
    ]
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user.data))
        assert user is not None  # the form accepts only the ids of the people judge_choices read
        try:
            service.invite_judge(current_user, session, user)
        except HackathonError as error:
            show_error(form, error, "user")
        else:
            flash(f"{user.full_name} invited to judge.", "success")
            return redirect(url_for("hackathons.judges", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/judges.html",
        title=f"Judges: {session.title}",
        form=form,
        judges=service.judges_of(session),
        confirm_form=ConfirmForm(),
        **page_context(cohort, session),
    ), page_status(form)


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/judges/<id:judge_id>/remove", methods=["POST"])
@admin_required
def remove_judge(slug: str, hackathon_id: int, judge_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    judge = found_or_404(HackathonJudge, judge_id)
    if judge.session_id != session.id:
        refuse(404, "judge of another hackathon")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = judge.user.full_name
    try:
        service.remove_judge(current_user, judge)
    except HackathonError as error:
        flash(str(error))
    else:
        flash(f"{name} is no longer a judge. Their scores no longer count.", "success")
    return redirect(url_for("hackathons.judges", slug=cohort.slug, hackathon_id=session.id))


def _require_judge(session: Session) -> None:
    if not service.is_judge(session, current_user):
        refuse(403, "not a judge of this hackathon")


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/judging")
@login_required
def judging(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    _require_judge(session)
    submissions = db.session.scalars(
        select(Submission).join(Team).where(Team.session_id == session.id).order_by(Team.name)
    ).all()
    mine = {
        s.submission_id: s
        for s in db.session.scalars(
            select(Score).where(
                Score.judge_id == current_user.id, Score.submission_id.in_([s.id for s in submissions])
            )
        )
    }
    return render_template(
        "hackathons/judging.html",
        title=f"Judging: {session.title}",
        submissions=submissions,
        mine=mine,
        **page_context(cohort, session),
    )


@bp.route(
    "/cohorts/<slug>/hackathons/<id:hackathon_id>/submissions/<id:submission_id>/score",
    methods=["GET", "POST"],
)
@login_required
def score(slug: str, hackathon_id: int, submission_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    _require_judge(session)
    sub = found_or_404(Submission, submission_id)
    if sub.team.session_id != session.id:
        refuse(404, "submission of another hackathon")
    own_team = current_user.id in service.member_user_ids(sub.team)
    existing = db.session.scalar(
        select(Score).where(Score.submission_id == sub.id, Score.judge_id == current_user.id)
    )
    form = ScoreForm()
    if request.method == "GET" and existing is not None:
        for name in CRITERIA:
            getattr(form, name).data = str(getattr(existing, name))
        form.comment.data = existing.comment
    if request.method == "POST" and own_team:
        refuse(403, "judge is a member of this team")
    if form.validate_on_submit():
        try:
            service.save_score(
                current_user,
                sub,
                {name: int(getattr(form, name).data) for name in CRITERIA},
                form.comment.data,
            )
        except HackathonError as error:
            show_error(form, error, "public_impact")
        else:
            flash(f"Scores for {sub.title} saved.", "success")
            return redirect(url_for("hackathons.judging", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/score.html",
        title=f"Score {sub.title}",
        form=form,
        sub=sub,
        own_team=own_team,
        **page_context(cohort, session),
    ), page_status(form)


# Results ---------------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/results")
@login_required
def results(slug: str, hackathon_id: int):
    cohort, session = hackathon_in(slug, hackathon_id)
    context = page_context(cohort, session)
    may_see = context["is_staff"] or context["settings"].results_published
    enrolment = my_enrolment(cohort)
    my_team = service.team_of(session, enrolment)
    feedback = []
    if may_see and my_team is not None and my_team.submission is not None:
        judge_ids = {j.user_id for j in service.judges_of(session)}
        feedback = [s for s in my_team.submission.scores if s.judge_id in judge_ids]
    return render_template(
        "hackathons/results.html",
        title=f"Results: {session.title}",
        rows=service.results(session) if may_see else [],
        may_see=may_see,
        my_team=my_team,
        feedback=feedback,
        confirm_form=ConfirmForm(),
        **context,
    )


def _publish(slug: str, hackathon_id: int, published: bool):
    cohort, session = hackathon_in(slug, hackathon_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.set_published(current_user, session, published)
        flash(
            "Results published: everyone in the cohort can now see them."
            if published
            else "Results withdrawn: only staff can see them.",
            "success",
        )
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.results", slug=cohort.slug, hackathon_id=session.id))


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/results/publish", methods=["POST"])
@admin_required
def publish_results(slug: str, hackathon_id: int):
    return _publish(slug, hackathon_id, True)


@bp.route("/cohorts/<slug>/hackathons/<id:hackathon_id>/results/unpublish", methods=["POST"])
@admin_required
def unpublish_results(slug: str, hackathon_id: int):
    return _publish(slug, hackathon_id, False)
