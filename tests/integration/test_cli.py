"""`flask seed-demo` and `flask create-admin`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cohort.demo import DEMO_PASSWORD, demo_logins
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    CatchUp,
    CheckIn,
    Cohort,
    CohortStatus,
    Department,
    Enrolment,
    EnrolmentStatus,
    Role,
    Session,
    User,
)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_seed_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "programme.manager@example.gov.uk" in result.output
    assert DEMO_PASSWORD in result.output
    assert "is in week 9 of 12" in result.output
    assert "At risk: Daniel Whitfield, Hannah Kowalski." in result.output
    code = db.session.scalar(select(CheckIn.code))
    assert f"Try self check-in: code {code} " in result.output
    first = (count(Department), count(User), count(Cohort), count(Enrolment))
    # 5 staff, 25 participants in cohort 1, two newcomers in the planned cohort 2;
    # one of cohort 1 transferred to cohort 2 (a second enrolment) and one withdrawn.
    assert first == (12, 44, 3, 40)  # with the finished pilot cohort of 12
    # The standard programme in both cohorts (19 sessions each) and a drop-in with a
    # check-in open today; registers of the ended sessions; two catch-ups; and the
    # finished pilot cohort's 16 sessions and one catch-up.
    schedule = (count(Session), count(CheckIn), count(CatchUp))
    assert schedule == (39 + 16, 1, 2 + 1)
    marks = count(AttendanceMark)
    assert marks > 200
    codes = set(db.session.scalars(select(Department.code)))
    assert {"MOJ", "UKHSA", "DVLA", "WG", "SG", "GDS", "HMRC", "DWP", "MOD", "DHSC", "DfT", "CO"} == codes
    cohort = db.session.scalar(select(Cohort).where(Cohort.slug == "cohort-1"))
    assert cohort.name == "AI Accelerator — Cohort 1"
    statuses = db.session.scalars(select(Enrolment.status).where(Enrolment.cohort_id == cohort.id)).all()
    assert statuses.count(EnrolmentStatus.WITHDRAWN) == 1 and statuses.count(EnrolmentStatus.TRANSFERRED) == 1
    second = db.session.scalar(select(Cohort).where(Cohort.slug == "cohort-2"))
    assert second.status == CohortStatus.PLANNED and second.start_date.weekday() == 0
    assert cohort.start_date.weekday() == 0
    assert len(cohort.facilitators) == 2
    per_department = dict(
        db.session.execute(
            select(Department.code, func.count(Enrolment.id))
            .join(User, User.department_id == Department.id)
            .join(Enrolment, Enrolment.user_id == User.id)
            .group_by(Department.code)
        ).all()
    )
    assert {"MOJ", "UKHSA", "DVLA", "WG", "SG"} <= per_department.keys()

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "already has data" in again.output
    assert f"Try self check-in: code {code} " in again.output  # still open
    assert (count(Department), count(User), count(Cohort), count(Enrolment)) == first
    assert (count(Session), count(CheckIn), count(CatchUp), count(AttendanceMark)) == (*schedule, marks)


def test_demo_logins_work(app, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for login in demo_logins():
        response = client.post("/sign-in", data={"email": login.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, login.email
        client.post("/sign-out")


def test_seed_keeps_accents_and_apostrophes(app):
    app.test_cli_runner().invoke(args=["seed-demo"])
    names = db.session.scalars(select(User.email)).all()
    assert "sian.oneill@gov.wales" in names and "zoe.ng@ukhsa.gov.uk" in names
    assert (
        db.session.scalar(select(User.full_name).where(User.email == "sian.oneill@gov.wales"))
        == "Siân O'Neill"
    )


def test_scale_adds_cohorts_of_25_without_duplicating(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo", "--scale", "2"]).exit_code == 0
    assert count(Cohort) == 5 and count(Enrolment) == 90
    result = runner.invoke(args=["seed-demo", "--scale", "3"])
    assert "1 new cohort" in result.output
    assert count(Cohort) == 6 and count(Enrolment) == 115
    assert count(Session) == 39 + 16  # scale cohorts have no timetable


def test_seed_demo_says_when_the_demo_check_in_has_closed(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["seed-demo"])
    check_in = db.session.scalar(select(CheckIn))
    # Closed a second ago (not "a second after it opened": the seed can take less than that).
    check_in.closes_at = datetime.now(UTC) - timedelta(seconds=1)
    check_in.opens_at = check_in.closes_at - timedelta(minutes=15)
    db.session.commit()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "The demo self check-in has closed" in result.output
    assert check_in.code not in result.output


def test_create_admin_makes_a_programme_manager_who_can_sign_in(app, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Real.Admin@Justice.gov.uk", "--name", "Real Admin"],
        input="a proper long passphrase\na proper long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "real.admin@justice.gov.uk"))
    assert user.role == Role.ADMIN
    response = client.post(
        "/sign-in", data={"email": "real.admin@justice.gov.uk", "password": "a proper long passphrase"}
    )
    assert response.status_code == 302


def test_create_admin_refuses_bad_input_with_a_line_per_problem(app):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "not-an-email", "--name", " ", "--password", "short"],
    )
    assert result.exit_code == 1
    assert "email:" in result.output and "name:" in result.output and "password:" in result.output
    assert count(User) == 0


def test_create_admin_refuses_an_existing_email(app, world):
    result = app.test_cli_runner().invoke(
        args=[
            "create-admin",
            "--email",
            world.admin.email.upper(),
            "--name",
            "Twin",
            "--password",
            "a proper long passphrase",
        ],
    )
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_seed_demo_refuses_production(app):
    """The demo's logins are published; a production database never gets them."""
    app.config["ENV_IS_PRODUCTION"] = True
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1
    assert "does not run in production" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0
