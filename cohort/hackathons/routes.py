"""Hackathon pages: departments' challenges, a hackathon's challenges on offer and settings,
teams, submissions, judging and results.

Who may do what (DESIGN.md §2): programme managers everything; facilitators run the teams
of the cohorts they are assigned to and judge when invited; participants create, join
and leave a team, and hand in their team's work; sponsors propose challenges for their
department, see its challenges and the work made on them, and judge when invited.
Everyone in a cohort sees its published results. Something outside a person's scope is
404; the wrong role is 403.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from cohort.auth.access import admin_required, can_manage_cohort, cohort_for, refuse, roles_required
from cohort.domain.schedule import SessionKind
from cohort.domain.times import london_date, london_to_utc
from cohort.extensions import db
from cohort.filters import LONDON
from cohort.forms import ConfirmForm
from cohort.hackathons import bp
from cohort.hackathons.forms import (
    AddMemberForm,
    AutoFormForm,
    ChallengeForm,
    JoinForm,
    JudgeForm,
    ScoreForm,
    SettingsForm,
    SubmissionForm,
    TeamForm,
)
from cohort.models import (
    Challenge,
    ChallengeStatus,
    Cohort,
    Department,
    Enrolment,
    EnrolmentStatus,
    HackathonChallenge,
    HackathonJudge,
    Role,
    Score,
    Session,
    Submission,
    Team,
    User,
)
from cohort.models.base import utcnow
from cohort.models.hackathons import CRITERIA, CRITERIA_LABELS
from cohort.services import hackathons as service
from cohort.services.closed import closed_notice
from cohort.services.hackathons import ChallengeDetails, HackathonError, SubmissionDetails

MAX_ID = 2**31 - 1
STAFF = (Role.ADMIN, Role.FACILITATOR)


@bp.app_template_global()
def criteria_labels():
    return CRITERIA_LABELS


def _get(model, ident: int):
    found = db.session.get(model, ident) if 0 < ident <= MAX_ID else None
    if found is None:
        refuse(404, f"no {model.__name__} {ident}")
    return found


def _form_error(form, error: HackathonError, default: str) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is None or not hasattr(field, "errors"):
        field = getattr(form, default)
    field.errors = [*list(field.errors or []), str(error)]


# Challenges ------------------------------------------------------------------------------


def _challenge_for(challenge_id: int) -> Challenge:
    challenge = _get(Challenge, challenge_id)
    if current_user.role == Role.SPONSOR and challenge.department_id != current_user.department_id:
        refuse(404, f"challenge {challenge_id} of another department")
    return challenge


@bp.route("/challenges")
@roles_required(Role.ADMIN, Role.SPONSOR)
def list_challenges():
    query = select(Challenge).order_by(Challenge.status.desc(), Challenge.title)
    if current_user.role == Role.SPONSOR:
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
    if current_user.role == Role.SPONSOR:
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
    if request.method == "GET" and current_user.role == Role.SPONSOR:
        form.department.data = str(current_user.department_id)
    if form.validate_on_submit():
        try:
            challenge = service.create_challenge(current_user, _details(form))
        except HackathonError as error:
            _form_error(form, error, "title")
        else:
            if challenge.accepted:
                flash(f"Challenge {challenge.title} added.", "success")
            else:
                flash(f"Challenge {challenge.title} proposed. A programme manager will review it.", "success")
            return redirect(url_for("hackathons.show_challenge", challenge_id=challenge.id))
    title = "Add a challenge" if current_user.is_admin else "Propose a challenge"
    return render_template("hackathons/challenge_form.html", title=title, form=form, challenge=None), (
        400 if form.errors else 200
    )


@bp.route("/challenges/<int:challenge_id>")
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


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_challenge(challenge_id: int):
    challenge = _challenge_for(challenge_id)
    form = ChallengeForm()
    _department_choices(form)
    if request.method == "GET":
        form.process(obj=challenge)
        _department_choices(form)
        form.department.data = str(challenge.department_id)
        form.data_sensitivity.data = challenge.data_sensitivity.value
    if form.validate_on_submit():
        try:
            service.update_challenge(current_user, challenge, _details(form))
        except HackathonError as error:
            _form_error(form, error, "title")
        else:
            flash(f"Challenge {challenge.title} updated.", "success")
            return redirect(url_for("hackathons.show_challenge", challenge_id=challenge.id))
    return render_template(
        "hackathons/challenge_form.html", title=f"Edit {challenge.title}", form=form, challenge=challenge
    ), (400 if form.errors else 200)


@bp.route("/challenges/<int:challenge_id>/accept", methods=["POST"])
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


# A hackathon -----------------------------------------------------------------------------


def _hackathon(slug: str, hackathon_id: int) -> tuple[Cohort, Session]:
    cohort = cohort_for(current_user, slug)
    session = db.session.get(Session, hackathon_id) if 0 < hackathon_id <= MAX_ID else None
    if session is None or session.cohort_id != cohort.id or session.kind != SessionKind.HACKATHON:
        refuse(404, f"no hackathon {hackathon_id} in cohort {slug}")
    return cohort, session


def _require_staff(cohort: Cohort) -> None:
    if not can_manage_cohort(current_user, cohort):
        refuse(403, "not staff of this cohort")


def _my_enrolment(cohort: Cohort) -> Enrolment | None:
    if current_user.role != Role.PARTICIPANT:
        return None
    return db.session.scalar(
        select(Enrolment).where(Enrolment.cohort_id == cohort.id, Enrolment.user_id == current_user.id)
    )


def _context(cohort: Cohort, session: Session) -> dict:
    settings = service.settings_for(session)
    return {
        "cohort": cohort,
        "hackathon": session,
        "settings": settings,
        "deadline": service.deadline_of(session, settings),
        "ended": service.has_ended(session),
        "is_staff": can_manage_cohort(current_user, cohort),
        "is_judge": service.is_judge(session, current_user),
        "now": utcnow(),
        "closed": closed_notice(cohort, "its hackathons"),
    }


def _challenge_choices(session: Session, field) -> None:
    field.choices = [("", "Not chosen yet")] + [
        (str(c.id), c.title) for c in service.offered_challenges(session)
    ]


def _challenge_id(field) -> int | None:
    return int(field.data) if field.data else None


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>")
@login_required
def show_hackathon(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    enrolment = _my_enrolment(cohort)
    team = service.team_of(session, enrolment)
    return render_template(
        "hackathons/hackathon.html",
        title=session.title,
        challenges=service.offered_challenges(session),
        enrolment=enrolment,
        team=team,
        team_count=len(service.teams_of(session)) if can_manage_cohort(current_user, cohort) else None,
        confirm_form=ConfirmForm(),
        **_context(cohort, session),
    )


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/settings", methods=["GET", "POST"])
@admin_required
def hackathon_settings(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    settings = service.settings_for(session)
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
    if form.validate_on_submit():
        deadline = None
        if form.deadline_date.data and form.deadline_time.time:
            deadline = london_to_utc(form.deadline_date.data, form.deadline_time.time)
        try:
            service.save_settings(
                current_user,
                session,
                form.team_size_min.data,
                form.team_size_max.data,
                deadline,
                [int(v) for v in form.challenges.data],
            )
        except HackathonError as error:
            _form_error(form, error, "team_size_min")
        else:
            flash("Hackathon settings saved.", "success")
            return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/settings.html", title=f"Settings: {session.title}", form=form, **_context(cohort, session)
    ), (400 if form.errors else 200)


# Teams -----------------------------------------------------------------------------------


def _team_in(session: Session, team_id: int) -> Team:
    team = _get(Team, team_id)
    if team.session_id != session.id:
        refuse(404, f"team {team_id} not in hackathon {session.id}")
    return team


def _teams_page(cohort, session, auto_form=None, add_forms=None, status=200):
    teams = service.teams_of(session)
    unplaced = service.unplaced(session)
    add_forms = add_forms or {}
    for team in teams:
        if team.id not in add_forms:
            form = AddMemberForm(prefix=f"team-{team.id}")
            add_forms[team.id] = form
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
        confirm_form=ConfirmForm(),
        **_context(cohort, session),
    ), status


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams")
@roles_required(*STAFF)
def teams(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    _require_staff(cohort)
    return _teams_page(cohort, session)


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.PARTICIPANT)
def create_team(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    enrolment = _my_enrolment(cohort)
    if current_user.role == Role.PARTICIPANT:
        if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
            refuse(403, "not an active participant of this cohort")
    else:
        _require_staff(cohort)
    form = TeamForm()
    _challenge_choices(session, form.challenge)
    if form.validate_on_submit():
        try:
            team = service.create_team(
                current_user, session, form.name.data, _challenge_id(form.challenge), founder=enrolment
            )
        except HackathonError as error:
            _form_error(form, error, "name")
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
        "hackathons/team_form.html", title="Create a team", form=form, **_context(cohort, session)
    ), (400 if form.errors else 200)


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/join", methods=["GET", "POST"])
@roles_required(Role.PARTICIPANT)
def join_team(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    enrolment = _my_enrolment(cohort)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        refuse(403, "not an active participant of this cohort")
    form = JoinForm()
    if form.validate_on_submit():
        try:
            team = service.join_team(current_user, session, enrolment, form.code.data)
        except HackathonError as error:
            _form_error(form, error, "code")
        else:
            flash(f"You joined team {team.name}.", "success")
            return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/join.html", title="Join a team", form=form, **_context(cohort, session)
    ), (400 if form.errors else 200)


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/<int:team_id>/leave", methods=["POST"])
@roles_required(Role.PARTICIPANT)
def leave_team(slug: str, hackathon_id: int, team_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    team = _team_in(session, team_id)
    enrolment = _my_enrolment(cohort)
    mine = service.team_of(session, enrolment)  # None for someone not enrolled
    if mine is None or mine.id != team.id:
        refuse(404, "not in this team")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.remove_member(current_user, team, enrolment)
        flash(f"You left team {team.name}.", "success")
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.show_hackathon", slug=cohort.slug, hackathon_id=session.id))


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/<int:team_id>/members", methods=["POST"])
@roles_required(*STAFF)
def add_member(slug: str, hackathon_id: int, team_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    _require_staff(cohort)
    team = _team_in(session, team_id)
    form = AddMemberForm(prefix=f"team-{team.id}")
    form.enrolment.choices = [("", "")] + [(str(e.id), "") for e in service.unplaced(session)]
    if form.validate_on_submit():
        enrolment = db.session.get(Enrolment, int(form.enrolment.data))
        try:
            service.add_member(current_user, team, enrolment)
        except HackathonError as error:
            _form_error(form, error, "enrolment")
        else:
            flash(f"{enrolment.user.full_name} added to team {team.name}.", "success")
            return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))
    elif not form.errors:
        form.enrolment.errors = ["Choose a participant from the list"]
    return _teams_page(cohort, session, add_forms={team.id: form}, status=400)


@bp.route(
    "/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/<int:team_id>/members/<int:enrolment_id>/remove",
    methods=["POST"],
)
@roles_required(*STAFF)
def remove_member(slug: str, hackathon_id: int, team_id: int, enrolment_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    _require_staff(cohort)
    team = _team_in(session, team_id)
    enrolment = _get(Enrolment, enrolment_id)
    if enrolment.cohort_id != cohort.id:
        refuse(404, "enrolment of another cohort")
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.remove_member(current_user, team, enrolment)
        flash(f"{enrolment.user.full_name} taken out of team {team.name}.", "success")
    except HackathonError as error:
        flash(str(error))
    return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/auto", methods=["POST"])
@roles_required(*STAFF)
def auto_form_teams(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    _require_staff(cohort)
    form = AutoFormForm()
    if form.validate_on_submit():
        try:
            made = service.auto_form_teams(current_user, session, form.size.data)
        except HackathonError as error:
            _form_error(form, error, "size")
        else:
            flash(f"{len(made)} new team{'s' if len(made) != 1 else ''} formed.", "success")
            return redirect(url_for("hackathons.teams", slug=cohort.slug, hackathon_id=session.id))
    return _teams_page(cohort, session, auto_form=form, status=400)


# Submissions -----------------------------------------------------------------------------


@bp.route(
    "/cohorts/<slug>/hackathons/<int:hackathon_id>/teams/<int:team_id>/submission", methods=["GET", "POST"]
)
@roles_required(Role.ADMIN, Role.FACILITATOR, Role.PARTICIPANT)
def submission(slug: str, hackathon_id: int, team_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    team = _team_in(session, team_id)
    is_member = current_user.id in service.member_user_ids(team)
    if current_user.role == Role.PARTICIPANT and not is_member:
        refuse(404, "not a member of this team")
    if not is_member:
        _require_staff(cohort)
    existing = team.submission
    deadline = service.deadline_of(session)
    now = utcnow()
    editable = is_member and not session.cancelled and (existing is None or now <= deadline)
    form = SubmissionForm(obj=existing) if request.method == "GET" else SubmissionForm()
    if request.method == "POST":
        if not editable:
            refuse(403, "submission not editable")
        if form.validate_on_submit():
            try:
                saved = service.save_submission(
                    current_user,
                    team,
                    SubmissionDetails(
                        **{name: getattr(form, name).data for name in SubmissionDetails.__annotations__}
                    ),
                )
            except HackathonError as error:
                _form_error(form, error, "title")
            else:
                flash(
                    "Your team's work was handed in late and is marked late."
                    if saved.late
                    else "Your team's work is handed in. You can change it until the deadline.",
                    "success",
                )
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
        **_context(cohort, session),
    ), (400 if form.errors else 200)


# Judging ---------------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/judges", methods=["GET", "POST"])
@admin_required
def judges(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    form = JudgeForm()
    form.user.choices = [("", "Choose a person")] + [
        (str(u.id), f"{u.full_name} ({u.role.label}{', ' + u.department.code if u.department else ''})")
        for u in service.judge_choices(session)
    ]
    if form.validate_on_submit():
        user = db.session.get(User, int(form.user.data))
        try:
            service.invite_judge(current_user, session, user)
        except HackathonError as error:
            _form_error(form, error, "user")
        else:
            flash(f"{user.full_name} invited to judge.", "success")
            return redirect(url_for("hackathons.judges", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/judges.html",
        title=f"Judges: {session.title}",
        form=form,
        judges=service.judges_of(session),
        confirm_form=ConfirmForm(),
        **_context(cohort, session),
    ), (400 if form.errors else 200)


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/judges/<int:judge_id>/remove", methods=["POST"])
@admin_required
def remove_judge(slug: str, hackathon_id: int, judge_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    judge = _get(HackathonJudge, judge_id)
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


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/judging")
@login_required
def judging(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
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
        **_context(cohort, session),
    )


@bp.route(
    "/cohorts/<slug>/hackathons/<int:hackathon_id>/submissions/<int:submission_id>/score",
    methods=["GET", "POST"],
)
@login_required
def score(slug: str, hackathon_id: int, submission_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    _require_judge(session)
    sub = _get(Submission, submission_id)
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
            _form_error(form, error, "public_impact")
        else:
            flash(f"Scores for {sub.title} saved.", "success")
            return redirect(url_for("hackathons.judging", slug=cohort.slug, hackathon_id=session.id))
    return render_template(
        "hackathons/score.html",
        title=f"Score {sub.title}",
        form=form,
        sub=sub,
        own_team=own_team,
        **_context(cohort, session),
    ), (400 if form.errors else 200)


# Results ---------------------------------------------------------------------------------


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/results")
@login_required
def results(slug: str, hackathon_id: int):
    cohort, session = _hackathon(slug, hackathon_id)
    context = _context(cohort, session)
    may_see = context["is_staff"] or context["settings"].results_published
    enrolment = _my_enrolment(cohort)
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
    cohort, session = _hackathon(slug, hackathon_id)
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


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/results/publish", methods=["POST"])
@admin_required
def publish_results(slug: str, hackathon_id: int):
    return _publish(slug, hackathon_id, True)


@bp.route("/cohorts/<slug>/hackathons/<int:hackathon_id>/results/unpublish", methods=["POST"])
@admin_required
def unpublish_results(slug: str, hackathon_id: int):
    return _publish(slug, hackathon_id, False)
