"""Every route × every role: what each kind of user gets (docs/rules.md §1.4; docs/architecture.md §4.1).

The table is checked against the app's url_map, so a new route without a rule
here fails the suite. Codes: 200 page, 302 redirect (to sign-in for the
anonymous), 400 bad request, 403 wrong role, 404 out of scope.
"""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import select

from cohort import create_app
from cohort.extensions import db
from cohort.models import Enrolment
from tests.factories import hackathon_world, log_entry_id_for, ready_export_id, skill_id_in
from tests.mail import outbox_message_id
from tests.sessions import session_id_in

ROLES = ("anonymous", "participant", "facilitator", "sponsor", "admin")


def everyone(code):
    return dict.fromkeys(ROLES, code)


def signed_in(code, anonymous=302):
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], code)}


def admin_only(code=200):
    return {"anonymous": 302, "participant": 403, "facilitator": 403, "sponsor": 403, "admin": code}


# endpoint -> expected status per role, for the route's main method (GET if it has one).
EXPECTED = {
    "main.index": everyone(302),
    "main.dashboard": signed_in(200),
    "main.accessibility": everyone(200),
    "main.privacy": everyone(200),
    "main.assets": everyone(200),
    "auth.sign_in": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "auth.sign_out": signed_in(302),
    "auth.set_password": everyone(400),  # the token in the table is not a valid one
    "auth.account": signed_in(200),
    "auth.change_password": signed_in(200),
    "cohorts.list_cohorts": signed_in(200),
    "cohorts.create_cohort": admin_only(),
    "cohorts.show_cohort": signed_in(200),  # the test cohort is in everyone's scope
    "cohorts.edit_cohort": admin_only(),
    "admin.list_departments": admin_only(),
    "admin.create_department": admin_only(),
    "admin.edit_department": admin_only(),
    "admin.list_users": admin_only(),
    "admin.invite_user": admin_only(),
    "admin.show_user": admin_only(),
    "admin.edit_user": admin_only(),
    "admin.deactivate_user": admin_only(302),
    "admin.reactivate_user": admin_only(302),
    "admin.audit_log": admin_only(),
    # Enrolment
    "participants.enrol": admin_only(),
    "participants.withdraw_enrolment": admin_only(),
    "participants.reinstate_enrolment": admin_only(302),
    "participants.transfer_enrolment": admin_only(),
    "participants.list_participants": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 200,
        "admin": 200,
    },
    # The other participant (DVLA, in the facilitator's cohort): not the MOJ sponsor's, not the participant's own.
    "participants.show_participant": {
        "anonymous": 302,
        "participant": 404,
        "facilitator": 200,
        "sponsor": 404,
        "admin": 200,
    },
    # Nominations import: with nothing uploaded, the preview sends the admin to
    # the upload page and a confirm is refused on that page.
    "nominations.upload": admin_only(),
    "nominations.preview": admin_only(302),
    "nominations.confirm": admin_only(400),
    "nominations.sample": admin_only(),
    # --- Schedule and calendar feeds ---
    # Laying out the timetable is the programme manager's; everyone who sees the cohort sees it.
    "schedule.timetable": signed_in(200),
    "schedule.show_session": signed_in(200),
    "schedule.create_session": admin_only(),
    "schedule.edit_session": admin_only(),
    "schedule.cancel_session": admin_only(),
    "schedule.reinstate_session": admin_only(302),  # the session is not cancelled: back to its page
    "schedule.apply_standard": admin_only(),
    "schedule.my_schedule": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "schedule.calendar_links": signed_in(200),
    "schedule.new_calendar_link": signed_in(302),
    "schedule.revoke_calendar_link": signed_in(302),
    # The secret link is the key (no sign-in); "not-a-real-token" opens nothing.
    "schedule.personal_feed": everyone(404),
    "schedule.cohort_feed": everyone(404),
    # --- end schedule ---
    # --- Attendance: registers, check-in, catch-ups ---
    # Registers and check-ins are staff work (the facilitator's cohort); figures are also the
    # sponsor's to read (the other participant is DVLA: not the MOJ sponsor's, so 404).
    "attendance.register": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "attendance.cohort_attendance": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 200,
        "admin": 200,
    },
    "attendance.participant_attendance": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 404,
        "admin": 200,
    },
    # The table's session is a workshop, not mandatory: there is no catch-up to record for it.
    "attendance.record_catch_up": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 404,
        "sponsor": 403,
        "admin": 404,
    },
    # The session has ended: the page says so and offers no check-in; closing answers with the page.
    "attendance.run_check_in": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "attendance.close_check_in": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 302,
        "sponsor": 403,
        "admin": 302,
    },
    "attendance.check_in": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    # --- end attendance ---
    # --- Skills, assessments, learning log, progress ---
    # The framework and each cohort's skills are the programme manager's.
    "skills.list_skills": admin_only(),
    "skills.create_skill": admin_only(),
    "skills.edit_skill": admin_only(),
    "skills.retire_skill": admin_only(302),
    "skills.unretire_skill": admin_only(302),
    "skills.cohort_skills": admin_only(),
    "skills.copy_skills": admin_only(400),  # no cohort chosen to copy from
    # Facilitators (of this cohort) and programme managers assess; the other participant is DVLA's.
    "skills.assessment_grid": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "skills.assess_participant": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "skills.self_assessment": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "skills.my_progress": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "skills.cohort_progress": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 200,
        "admin": 200,
    },
    "skills.participant_progress": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 404,
        "admin": 200,
    },
    # Learning logs: the participant writes theirs; facilitators of the cohort read and comment.
    "skills.my_learning_log": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "skills.add_log_entry": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "skills.edit_log_entry": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "skills.participant_log": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    # --- end skills ---
    # --- Hackathons: challenges, teams, submissions, judging ---
    # A hackathon next week in the cohort, an MOJ challenge on offer, team Alpha (the participant)
    # has handed in, the facilitator judges (tests/factories.py hackathon_world).
    "hackathons.list_challenges": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 403,
        "sponsor": 200,
        "admin": 200,
    },
    "hackathons.create_challenge": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 403,
        "sponsor": 200,
        "admin": 200,
    },
    "hackathons.show_challenge": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 403,
        "sponsor": 200,
        "admin": 200,
    },
    "hackathons.edit_challenge": admin_only(),
    "hackathons.accept_challenge": admin_only(302),  # already accepted: says so and goes back
    "hackathons.show_hackathon": signed_in(200),
    "hackathons.hackathon_settings": admin_only(),
    "hackathons.teams": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "hackathons.create_team": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "hackathons.edit_team": {  # the cohort's staff, and the team's members (the participant is in Alpha)
        "anonymous": 302,
        "participant": 200,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "hackathons.join_team": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    "hackathons.leave_team": {
        "anonymous": 302,
        "participant": 302,
        "facilitator": 403,
        "sponsor": 403,
        "admin": 403,
    },
    # Empty forms: the teams page again with the error (400).
    "hackathons.add_member": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 400,
        "sponsor": 403,
        "admin": 400,
    },
    "hackathons.auto_form_teams": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 400,
        "sponsor": 403,
        "admin": 400,
    },
    # The other participant is not in Alpha: says so and goes back.
    "hackathons.remove_member": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 302,
        "sponsor": 403,
        "admin": 302,
    },
    "hackathons.submission": {
        "anonymous": 302,
        "participant": 200,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "hackathons.judges": admin_only(),
    "hackathons.remove_judge": admin_only(302),
    "hackathons.judging": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 403,
    },
    "hackathons.score": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 403,
    },
    "hackathons.results": signed_in(
        200
    ),  # before publication: "not published yet" for participants and sponsors
    "hackathons.publish_results": admin_only(302),
    "hackathons.unpublish_results": admin_only(302),  # not published: says so and goes back
    # --- end hackathons ---
    # --- Completion: settings, outcomes, finishing, reports ---
    "completion.settings": admin_only(),
    "completion.outcomes": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 200,
        "admin": 200,
    },
    "completion.override_outcome": admin_only(),  # the cohort is running: the page says when it can be done
    "completion.finish_cohort": admin_only(),  # likewise: "cannot be finished yet"
    # Records and certificates: the other participant (DVLA, the facilitator's cohort) is not the
    # MOJ sponsor's nor the participant's own; still active, so no certificate for anyone.
    "records.record": {
        "anonymous": 302,
        "participant": 404,
        "facilitator": 200,
        "sponsor": 404,
        "admin": 200,
    },
    "records.record_pdf": {
        "anonymous": 302,
        "participant": 404,
        "facilitator": 200,
        "sponsor": 404,
        "admin": 200,
    },
    "records.certificate_pdf": signed_in(404),
    "records.check": everyone(200),  # public: the form, no code asked about
    # Department outcome reports (the MOJ sponsor's own department) and the programme overview.
    "reports.department_reports": {**admin_only(), "sponsor": 302},  # sent to their own department's
    "reports.department_report": {**admin_only(), "sponsor": 200},
    "reports.department_report_xlsx": {**admin_only(), "sponsor": 200},
    "reports.department_report_pdf": {**admin_only(), "sponsor": 200},
    "reports.overview_page": admin_only(),
    "reports.overview_file": admin_only(),
    # Cohort completion report: staff running the cohort (sponsors get their department's report).
    "reports.cohort_report_page": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "reports.cohort_report_file": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    # --- end completion ---
    # Health checks for the platform (docs/operations.md): no sign-in, same answer for everyone.
    "health.healthz": everyone(200),
    "health.readyz": everyone(200),
    # --- e-mail: outbox, jobs, preferences, unsubscribe ---
    "messages.outbox": admin_only(),
    "messages.outbox_message": admin_only(),  # the invitation sent to the other participant
    "messages.outbox_attachment": admin_only(404),  # that message has no attachment
    "messages.retry_message": admin_only(302),
    "messages.jobs": admin_only(),
    "messages.email_preferences": signed_in(200),
    "messages.unsubscribe": everyone(404),  # the token in the table is not a valid one
    # --- end e-mail ---
    # --- invitations and forgotten password ---
    "admin.send_invitation": admin_only(400),  # posted without the page's nonce: nothing sent
    "nominations.invitations": admin_only(),
    "nominations.send_invitations": admin_only(302),
    "auth.forgotten_password": everyone(200),
    # --- end invitations ---
    # --- session and register messages ---
    # --- end session messages ---
    # --- at risk, certificates, reports ready, hackathon messages ---
    # --- end outcome messages ---
    # --- sign-in: sessions ---
    "auth.signed_in_sessions": signed_in(200),
    "auth.end_signed_in_session": signed_in(302),  # an id not among one's own sessions: "already signed out"
    "auth.end_other_sessions": signed_in(302),
    "admin.end_user_sessions": admin_only(302),
    # --- end sign-in: sessions ---
    # --- sign-in: single sign-on ---
    # The table's app has no provider configured: every provider key is unknown (404) and there
    # is no single sign-on page. A programme manager's unlink posted with no account named is 400.
    "auth.start_sign_in": everyone(404),
    "auth.sign_in_callback": everyone(404),
    "auth.single_sign_on_accounts": signed_in(404),
    "auth.link_account": signed_in(404),
    "auth.unlink_account": signed_in(404),  # no linked account named
    "auth.admin_unlink_identity": admin_only(400),
    # --- end sign-in: single sign-on ---
    # --- sign-in: second factor ---
    # Between password and code nobody is signed in: with no pending sign-in the code pages
    # send the anonymous to sign in and the signed-in to their dashboard.
    "auth.second_factor_code": everyone(302),
    "auth.second_factor_recovery": everyone(302),
    "auth.second_factor_setup": signed_in(200),  # offered to every role (none of the table's has one)
    "auth.new_recovery_codes": signed_in(302),  # no second factor yet: back to Your account
    "auth.turn_off_second_factor": signed_in(302),  # likewise
    # The other participant has none: "no second factor to reset".
    "auth.reset_second_factor": admin_only(302),
    # --- end sign-in: second factor ---
    # --- report PDFs built by a job ---
    # The cohort report's PDF has its own route now (the same people as the report); jobs run
    # at once in the tests, so it is there on the first request. "Try again" goes back to
    # waiting for the PDF.
    "reports.cohort_report_pdf": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    "reports.cohort_report_pdf_again": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 302,
        "sponsor": 403,
        "admin": 302,
    },
    "reports.department_report_pdf_again": {**admin_only(302), "sponsor": 302},
    # --- end report PDFs ---
    # --- api ---
    # Your account → API tokens: staff only, participants hold none (docs/api.md, Tokens). The
    # table's token id is no token at all: 404 for the staff who may reach the page.
    "api_tokens.list_tokens": {**signed_in(200), "participant": 403},
    "api_tokens.new_token": {**signed_in(200), "participant": 403},
    "api_tokens.revoke_token": {**signed_in(404), "participant": 403},
    "api_tokens.admin_revoke_token": admin_only(404),
    "api_reference.reference": {**signed_in(200), "participant": 403},  # the reference page, for staff
    # The JSON API under /api/v1 takes bearer tokens only: the browser's session signs nobody in
    # there (401 for everyone). tests/integration/test_api_access.py is its own table, by token.
    "api-docs.openapi_json": everyone(200),
    "api_certificates.verify_certificate": everyone(422),  # no code given
    "api_cohorts.list_cohorts": everyone(401),
    "api_cohorts.get_cohort": everyone(401),
    "api_cohorts.list_sessions": everyone(401),
    "api_cohorts.get_session": everyone(401),
    "api_people.list_enrolments": everyone(401),
    "api_enrolments.get_enrolment": everyone(401),
    "api_enrolments.withdraw_enrolment": everyone(405),  # PATCH only: this table's POST is 405
    "api_enrolments.nominate": everyone(401),
    "api_nominations.bulk_nominations": everyone(401),
    "api_attendance.session_attendance": everyone(401),
    # PUT only: this table's POST is 405 for everyone; test_api_access.py tries the PUT by token.
    "api_attendance.set_session_attendance": everyone(405),
    "api_people.cohort_standing": everyone(401),
    "api_assessments.cohort_assessments": everyone(401),
    "api_reports.department_outcomes": everyone(401),
    # --- end api ---
    # --- register deadline ---
    # The check-in screen's live count (JSON): the cohort's staff only, like the screen itself.
    "attendance.check_in_count_json": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 200,
        "sponsor": 403,
        "admin": 200,
    },
    # --- end register deadline ---
    # --- lifecycle ---
    # A finished cohort's certificates as one ZIP: the test cohort is running, so there are none
    # yet (404 for everyone whose role may ask; tests/integration/test_cohort_lifecycle.py).
    "completion.certificates_zip": {
        "anonymous": 302,
        "participant": 403,
        "facilitator": 404,
        "sponsor": 404,
        "admin": 404,
    },
    # --- end lifecycle ---
    # --- search and help ---
    # Staff search (docs/rules.md §1.2); participants have none. The table's URL has no q: the empty form.
    "search.search": {"anonymous": 302, "participant": 403, "facilitator": 200, "sponsor": 200, "admin": 200},
    # Help is text about the service, for everyone; /help sends a signed-in person to their role's page.
    "help.index": {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)},
    "help.programme_managers": everyone(200),
    "help.facilitators": everyone(200),
    "help.participants": everyone(200),
    "help.sponsors": everyone(200),
    # --- end search and help ---
    # --- personal data: erasure ---
    "privacy_erasure.erase_user": admin_only(),  # the other participant: still enrolled, the refusal shown
    # --- end personal data: erasure ---
    # --- personal data: retention ---
    "privacy_retention.retention": admin_only(),
    # --- end personal data: retention ---
    # --- personal data: export ---
    "privacy_export.request_own": signed_in(200),
    "privacy_export.request_theirs": admin_only(),
    "privacy_export.status": {**signed_in(404), "participant": 200},  # the participant's own
    "privacy_export.download": {**signed_in(404), "participant": 200},  # only the one who asked
    # --- end personal data: export ---
}

UNCHECKED = {"static"}  # Flask's own static files


def _url_values(world, names=None) -> dict:
    """The values of these URL arguments (all of them without `names`). The records behind a
    value are made only when a route asks for it (making them all, an e-mail composed among
    them, was most of each case's time), in this order."""
    hackathon = cache(lambda: hackathon_world(world))  # hackathon_id, challenge_id, team_id, …
    builders = {
        "slug": lambda: world.cohort.slug,
        "department_id": lambda: world.moj.id,
        "user_id": lambda: world.other_participant.id,
        "enrolment_id": lambda: db.session.scalar(
            select(Enrolment.id).where(Enrolment.user_id == world.other_participant.id)
        ),
        "provider": lambda: "moj",  # single sign-on: the table's app has no provider configured, so 404
        "token": lambda: "not-a-real-token",  # also the calendar feeds': an unknown link is 404 for everyone
        "session_id": lambda: session_id_in(world.cohort),  # a workshop in the cohort's first week (ended)
        "filename": lambda: "images/favicon.svg",
        "skill_id": lambda: skill_id_in(world.cohort),  # a skill the cohort assesses
        "checkpoint": lambda: "baseline",
        "kind": lambda: "xlsx",  # cohort completion report: the spreadsheet
        "code": lambda: world.moj.code,  # department reports: the MOJ sponsor's department
        "entry_id": lambda: log_entry_id_for(world.participant),  # the participant's own learning log entry
        "message_id": lambda: outbox_message_id(world),  # an invitation to the other participant
        "token_id": lambda: 2**31 - 1,  # API tokens: no such token
        "export_id": lambda: ready_export_id(world.participant),  # asked for by the participant
        **{
            key: (lambda key=key: hackathon()[key])
            for key in ("hackathon_id", "challenge_id", "team_id", "submission_id", "judge_id")
        },
    }
    if names is None:
        names = builders.keys()
    unknown = set(names) - builders.keys()
    assert not unknown, f"no value in the table for the URL arguments {sorted(unknown)}"
    return {name: build() for name, build in builders.items() if name in names}


def test_every_route_has_an_access_rule():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - UNCHECKED
    assert endpoints - EXPECTED.keys() == set(), "routes with no access rule in this table"
    assert EXPECTED.keys() - endpoints == set(), "rules for routes that no longer exist"


def _cases():
    for endpoint, by_role in sorted(EXPECTED.items()):
        for role in ROLES:
            yield pytest.param(endpoint, role, by_role[role], id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "role", "expected"), list(_cases()))
def test_route_answers_each_role(app, client, world, sign_in, endpoint, role, expected):
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = _url_values(world, rule.arguments)
    url = app.url_for(endpoint, **values, _external=False)
    sign_in(world.by_role(role))
    method = "GET" if "GET" in rule.methods else "POST"
    with client.open(url, method=method) as response:
        assert response.status_code == expected, f"{method} {url} as {role}"
        if role == "anonymous" and expected == 302 and endpoint != "main.index":
            assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", ["participant", "facilitator", "sponsor"])
def test_cohort_outside_scope_is_not_found(world, sign_in, role):
    """Another cohort is 404, not 403: its existence is not confirmed."""
    client = sign_in(world.by_role(role))
    response = client.get(f"/cohorts/{world.other_cohort.slug}")
    assert response.status_code == 404
    assert world.other_cohort.name not in response.text


def test_admin_sees_any_cohort(world, sign_in):
    client = sign_in(world.admin)
    assert client.get(f"/cohorts/{world.other_cohort.slug}").status_code == 200


def test_unknown_cohort_is_not_found(world, sign_in):
    client = sign_in(world.admin)
    assert client.get("/cohorts/no-such-cohort").status_code == 404
