"""Participant records, certificates and the public certificate check (docs/rules.md §9.2, §10):
the figures match the completion engine, PDFs read back, certificates follow the recorded
outcome (issued at finish, revoked and re-issued by corrections), and who may see what."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cohort.completion.queries import enrolment_outcome
from cohort.completion.service import finish, override
from cohort.domain.attendance import Mark
from cohort.domain.completion import Outcome
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.models import (
    AttendanceMark,
    AuditEvent,
    CatchUp,
    Certificate,
    EnrolmentStatus,
    MarkSource,
)
from cohort.records.service import issue, issue_certificates, valid_certificate
from tests import factories
from tests.sessions import make_session

START = date(2026, 6, 1)  # a Monday; 12 weeks: its last day is Friday 21 August 2026
ZOE = "Zoë O'Brien-Ní Bhriain"


def _mark(session, enrolment, mark, by):
    db.session.add(
        AttendanceMark(
            session_id=session.id,
            enrolment_id=enrolment.id,
            mark=mark,
            source=MarkSource.REGISTER,
            recorded_by_id=by.id,
        )
    )


@pytest.fixture
def finished(world):
    """An ended, finished cohort run by the world's facilitator:
    - Zoë (the world's MOJ participant, renamed): completed. Workshops present, late, present,
      absent; Ethics: Transparency present, Ethics: Bias and fairness excused and caught up; the
      hackathon present, her team's work on the MOJ challenge handed in on time; skill 1 → 3.
      Attendance 5 of 6 (83 %).
    - Zoë Ng (DVLA): not completed. Two workshops and Transparency absent, the hackathon with
      no mark and no team; skill 2 → 2 (target 3). Attendance 3 of 7 (43 %)."""
    world.participant.full_name = ZOE
    cohort = factories.make_cohort("AI Accelerator — Pilot", start=START, facilitators=[world.facilitator])
    zoe = factories.enrol(cohort, world.participant)
    ng = factories.enrol(cohort, world.other_participant)
    workshops = [
        make_session(cohort, START + timedelta(weeks=w, days=1), title=f"Workshop {w + 1}") for w in range(4)
    ]
    transparency = make_session(
        cohort, START + timedelta(weeks=1, days=3), kind=SessionKind.ETHICS, title="Ethics: Transparency"
    )
    bias = make_session(
        cohort, START + timedelta(weeks=4, days=3), kind=SessionKind.ETHICS, title="Ethics: Bias and fairness"
    )
    hackathon = make_session(
        cohort,
        START + timedelta(weeks=5, days=2),
        kind=SessionKind.HACKATHON,
        title="Hackathon: court backlogs",
    )
    by = world.facilitator
    for session, mark in zip(
        [*workshops, transparency, bias, hackathon],
        [Mark.PRESENT, Mark.LATE, Mark.PRESENT, Mark.ABSENT, Mark.PRESENT, Mark.EXCUSED, Mark.PRESENT],
        strict=True,
    ):
        _mark(session, zoe, mark, by)
    for session, mark in zip(
        [*workshops, transparency, bias],
        [Mark.ABSENT, Mark.ABSENT, Mark.PRESENT, Mark.PRESENT, Mark.ABSENT, Mark.PRESENT],
        strict=True,
    ):
        _mark(session, ng, mark, by)
    db.session.add(
        CatchUp(
            session_id=bias.id,
            enrolment_id=zoe.id,
            what_was_done="Watched the recording",
            completed_on=START + timedelta(weeks=5),
            recorded_by_id=by.id,
        )
    )
    challenge = factories.make_challenge(world.moj, "Court backlog triage")
    team = factories.make_team(hackathon, [world.participant], name="Gavel", challenge=challenge)
    factories.make_submission(team, "Listing assistant", at=datetime(2026, 7, 8, 15, tzinfo=UTC))
    skill = factories.make_skill("Machine learning in production")
    factories.assess_skill(cohort, skill, target=3)
    for enrolment, (first, last) in ((zoe, (1, 3)), (ng, (2, 2))):
        factories.make_assessment(enrolment, skill, first, "baseline", by=by)
        factories.make_assessment(enrolment, skill, last, "final", by=by)
    db.session.commit()
    finish(world.admin, cohort, datetime.now(UTC))
    return cohort


def _certificate(enrolment) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment.id))


def _text(html: str) -> str:
    """The visible words of a page, in one line."""
    main = html.split("<main", 1)[1] if "<main" in html else html
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'").replace("&amp;", "&")


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


# Issuing and revoking ------------------------------------------------------------------------


def test_finishing_a_cohort_issues_certificates_to_those_who_completed(world, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    ng = factories.enrolment_of(finished, world.other_participant)
    assert (zoe.status, ng.status) == (EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED)
    certificate = _certificate(zoe)
    assert certificate is not None and certificate.valid
    assert re.fullmatch(r"[23456789A-HJ-NP-Z]{12}", certificate.code)
    assert _certificate(ng) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "issue certificate"))
    assert event.entity_type == "Certificate" and event.entity_id == certificate.id
    assert event.actor_id == world.admin.id
    assert ZOE in event.summary


def test_issuing_again_changes_nothing(world, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    code = _certificate(zoe).code
    assert issue_certificates(world.admin, finished, datetime.now(UTC)) == 0
    assert issue(world.admin, zoe, datetime.now(UTC)).code == code
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "issue certificate")) == 1


def test_a_correction_revokes_the_certificate_and_another_reissues_it_with_a_new_code(
    client, world, finished
):
    zoe = factories.enrolment_of(finished, world.participant)
    old = _certificate(zoe).code
    override(
        world.admin,
        zoe,
        Outcome.NOT_COMPLETED,
        "Plagiarised hackathon work found after the end",
        datetime.now(UTC),
    )
    certificate = _certificate(zoe)
    assert not certificate.valid
    assert "Plagiarised hackathon work" in certificate.revoked_reason
    assert valid_certificate(zoe) is None
    revoked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "revoke certificate"))
    assert revoked.actor_id == world.admin.id and "Plagiarised" in revoked.summary
    assert (
        "No valid certificate has this code"
        in client.get("/certificates/check", query_string={"code": old}).text
    )

    override(
        world.admin,
        zoe,
        Outcome.COMPLETED,
        "The work was her own after all: appeal upheld",
        datetime.now(UTC),
    )
    certificate = _certificate(zoe)
    assert certificate.valid and certificate.code != old
    assert certificate.revoked_at is None and certificate.revoked_reason is None
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "reissue certificate")) == 1
    assert (
        "No valid certificate has this code"
        in client.get("/certificates/check", query_string={"code": old}).text
    )
    assert ZOE in _text(client.get("/certificates/check", query_string={"code": certificate.code}).text)


def test_a_correction_to_completed_issues_a_certificate(world, finished):
    ng = factories.enrolment_of(finished, world.other_participant)
    override(
        world.admin,
        ng,
        Outcome.COMPLETED,
        "Attendance agreed with the department in advance",
        datetime.now(UTC),
    )
    assert valid_certificate(ng) is not None


def test_an_override_before_finishing_issues_nothing_until_the_cohort_is_finished(world):
    cohort = factories.make_cohort("AI Accelerator — Ended", start=START, facilitators=[world.facilitator])
    enrolment = factories.enrol(cohort, world.participant)
    make_session(cohort, START + timedelta(days=1))
    db.session.commit()  # no marks: attendance 0 %, not completed by the rules
    override(world.admin, enrolment, Outcome.COMPLETED, "Agreed in advance", datetime.now(UTC))
    assert _certificate(enrolment) is None
    finish(world.admin, cohort, datetime.now(UTC))
    assert valid_certificate(enrolment) is not None


# The record -----------------------------------------------------------------------------------


def test_the_record_shows_the_figures_the_engine_gives(client, world, sign_in, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    standing = enrolment_outcome(zoe, datetime.now(UTC)).standing
    sign_in(world.admin)
    page = client.get(f"/enrolments/{zoe.id}/record")
    assert page.status_code == 200
    text = _text(page.text)
    assert ZOE in text and "Ministry of Justice (MOJ)" in text and "AI Accelerator — Pilot" in text
    assert "1 June 2026 to 21 August 2026" in text
    assert standing.outcome == Outcome.COMPLETED and "Completed" in text
    for check in standing.checks:
        # A recorded outcome's reasons read in the past (docs/rules.md §5.3): no "so far".
        assert check.reason.replace("every one so far attended", "every one attended") in text
    assert "so far" not in text
    assert "Attendance rate: 83% (5 of 6 sessions that count)" in text
    for label, value in (("Present", 4), ("Late", 1), ("Excused", 1), ("Absent", 1)):
        assert f"{label} {value} " in text
    assert "Mandatory sessions attended 1 of 2" in text
    assert "Mandatory sessions caught up 1" in text
    assert "Mandatory sessions missed, no catch-up 0" in text
    assert "Ethics: Transparency 2 Attended" in text
    assert "Ethics: Bias and fairness 5 Caught up" in text
    assert (
        "Machine learning in production 1 – Awareness 3 – Practitioner (final) 3 – Practitioner +2 Yes"
        in text
    )
    assert "Hackathon: court backlogs (week 6) Gavel Court backlog triage Listing assistant On time" in text
    code = _certificate(zoe).display_code
    assert f"Verification code {code}" in text
    assert f"/enrolments/{zoe.id}/certificate.pdf" in page.text
    assert "/certificates/check" in page.text


def test_the_record_of_someone_who_did_not_complete_gives_the_reasons(client, world, sign_in, finished):
    ng = factories.enrolment_of(finished, world.other_participant)
    standing = enrolment_outcome(ng, datetime.now(UTC)).standing
    sign_in(world.admin)
    text = _text(client.get(f"/enrolments/{ng.id}/record").text)
    assert "Not completed" in text
    assert "Attendance 43%" in " ".join(standing.reasons)
    for reason in standing.reasons:
        assert reason in text
    assert "Ethics: Transparency 2 Missed" in text
    assert "Hackathon: court backlogs (week 6) None None None Not in a team" in text
    assert "Not marked (counted as absent) 1" in text
    assert "certificate.pdf" not in page_links(client, ng.id)


def page_links(client, enrolment_id: int) -> str:
    return " ".join(re.findall(r'href="([^"]+)"', client.get(f"/enrolments/{enrolment_id}/record").text))


def test_the_record_shows_an_override_with_its_reason(client, world, sign_in, finished):
    ng = factories.enrolment_of(finished, world.other_participant)
    override(
        world.admin,
        ng,
        Outcome.COMPLETED,
        "Attendance agreed with the department in advance",
        datetime.now(UTC),
    )
    sign_in(world.other_participant)
    text = _text(client.get(f"/enrolments/{ng.id}/record").text)
    assert "Overridden by Priya Admin" in text
    assert "Reason: Attendance agreed with the department in advance" in text
    assert "Your record" in text


def test_the_record_pdf_reads_back_with_the_name_outcome_and_reasons(client, world, sign_in, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    ng = factories.enrolment_of(finished, world.other_participant)
    sign_in(world.admin)
    response = client.get(f"/enrolments/{zoe.id}/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="record-{finished.slug}-zoe-obrien-ni-bhriain.pdf"'
    )
    text = _pdf_text(response.data)
    assert ZOE in text
    assert "Completed" in text and "Attendance 83% (5 of 6 sessions) — needs 80%" in text
    assert "Caught up" in text and "Listing assistant" in text
    assert _certificate(zoe).display_code in text

    text = _pdf_text(client.get(f"/enrolments/{ng.id}/record.pdf").data)
    assert "Zoë Ng" in text and "Not completed" in text
    for reason in enrolment_outcome(ng, datetime.now(UTC)).standing.reasons:
        assert reason.split(";")[0] in text


def test_the_certificate_pdf_has_the_name_cohort_date_code_and_check_address(
    client, world, sign_in, finished
):
    zoe = factories.enrolment_of(finished, world.participant)
    sign_in(world.participant)
    response = client.get(f"/enrolments/{zoe.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="certificate-{finished.slug}-zoe-obrien-ni-bhriain.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape
    text = _pdf_text(response.data)
    code = _certificate(zoe).display_code
    for words in (
        ZOE,
        "AI Accelerator — Pilot",
        "Completed on 21 August 2026",
        "AI Accelerator Programme",
        code,
    ):
        assert words in text
    assert "http://localhost/certificates/check" in text
    assert f"code={code}" in text


def test_no_certificate_for_someone_who_did_not_complete(client, world, sign_in, finished):
    ng = factories.enrolment_of(finished, world.other_participant)
    sign_in(world.admin)
    assert client.get(f"/enrolments/{ng.id}/certificate.pdf").status_code == 404


def test_the_record_of_a_running_enrolment_works_before_any_outcome(client, world, sign_in):
    enrolment = factories.enrolment_of(world.cohort, world.participant)
    make_session(
        world.cohort,
        world.cohort.start_date + timedelta(days=3),
        kind=SessionKind.ETHICS,
        title="Ethics: Transparency",
    )
    db.session.commit()
    sign_in(world.participant)
    page = client.get(f"/enrolments/{enrolment.id}/record")
    assert page.status_code == 200
    assert "Your record" in page.text
    assert client.get(f"/enrolments/{enrolment.id}/certificate.pdf").status_code == 404


# Who sees what -------------------------------------------------------------------------------

ROUTES = ("record", "record.pdf", "certificate.pdf")
VIEWERS = {
    "admin": 200,
    "facilitator": 200,  # runs the cohort
    "other_facilitator": 404,
    "sponsor": 200,  # MOJ, Zoë's department
    "other_sponsor": 404,  # DVLA
    "participant": 200,  # Zoë herself
    "other_participant": 404,
}


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("viewer", "expected"), list(VIEWERS.items()))
def test_who_may_see_a_record_and_certificate(client, world, sign_in, finished, route, viewer, expected):
    zoe = factories.enrolment_of(finished, world.participant)
    sign_in(getattr(world, viewer))
    response = client.get(f"/enrolments/{zoe.id}/{route}")
    assert response.status_code == expected
    if expected == 404:
        assert ZOE not in response.text


@pytest.mark.parametrize("route", ROUTES)
def test_the_anonymous_are_sent_to_sign_in(client, world, finished, route):
    zoe = factories.enrolment_of(finished, world.participant)
    response = client.get(f"/enrolments/{zoe.id}/{route}")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("enrolment_id", ["0", "999999", "2147483648", "99999999999999999999"])
def test_unknown_enrolments_are_not_found(client, world, sign_in, enrolment_id):
    sign_in(world.admin)
    assert client.get(f"/enrolments/{enrolment_id}/record").status_code == 404


def test_links_lead_to_the_record_and_certificate(client, world, sign_in, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    record, certificate = f"/enrolments/{zoe.id}/record", f"/enrolments/{zoe.id}/certificate.pdf"
    # My progress is about the current enrolment: leave her only the finished one.
    db.session.delete(factories.enrolment_of(world.cohort, world.participant))
    sign_in(world.participant)
    dashboard = client.get("/dashboard").text
    assert record in dashboard and certificate in dashboard and "Download your certificate" in dashboard
    progress = client.get("/my-progress").text
    assert record in progress and certificate in progress and "Your record" in progress
    sign_in(world.admin)
    assert record in client.get(f"/cohorts/{finished.slug}/outcomes").text
    profile = client.get(f"/participants/{world.participant.id}").text
    assert record in profile and certificate in profile


# The public check ------------------------------------------------------------------------------


def test_the_check_page_is_public_and_shows_only_name_cohort_and_date(client, world, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    code = _certificate(zoe).code
    empty = client.get("/certificates/check")
    assert empty.status_code == 200 and "Verification code" in empty.text
    typed = " ".join(code[i : i + 3] for i in range(0, 12, 3)).lower()  # "abc def ghj klm"
    page = client.get("/certificates/check", query_string={"code": typed})
    assert page.status_code == 200
    text = _text(page.text)
    assert "Valid certificate" in text
    assert ZOE in text and "AI Accelerator — Pilot" in text and "Completed on 21 August 2026" in text
    for private in ("Ministry of Justice", world.participant.email, "Attendance", "Listing assistant"):
        assert private not in text


def test_unknown_and_revoked_codes_get_the_same_answer(client, world, finished):
    zoe = factories.enrolment_of(finished, world.participant)
    code = _certificate(zoe).code
    unknown = client.get("/certificates/check", query_string={"code": "2222-3333-4444"})
    override(world.admin, zoe, Outcome.NOT_COMPLETED, "Found to have been absent", datetime.now(UTC))
    revoked = client.get("/certificates/check", query_string={"code": code})
    assert unknown.status_code == revoked.status_code == 200

    def answer(page):
        return _text(page.text).split("Check a certificate", 1)[1]

    assert answer(unknown) == answer(revoked)
    assert "No valid certificate has this code" in answer(revoked)
    assert ZOE not in revoked.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the verification code printed on the certificate"),
        ("ABCD\x00EFGH\x00JKLM", None),  # NUL characters are dropped from every query string
        ("A" * 10_000, "Verification code must be 40 characters or fewer"),
        ("' OR '1'='1", "Verification code must only contain letters, numbers, spaces and hyphens"),
        ("ABCD'; DROP TABLE certificates;--", "Verification code must only contain letters"),
        ("<script>alert(1)</script>", "Verification code must only contain letters"),
        ("ABCD-EFGH", "Verification code must be 12 letters and numbers"),
        ("ABCD\u202eEFGH-JKLM", "Verification code must only contain letters"),
    ],
)
def test_hostile_input_gets_a_clear_message_never_a_500(client, world, finished, typed, message):
    page = client.get("/certificates/check", query_string={"code": typed})
    if message is None:
        assert page.status_code == 200
        assert "No valid certificate has this code" in page.text
        return
    assert page.status_code == 400
    assert "There is a problem" in page.text and message in page.text
    assert "<script>alert" not in page.text
    assert "A" * 100 not in page.text  # not echoed back
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1  # the table is still there


def test_lookups_are_rate_limited_per_address(database_url, world, finished):
    from cohort import create_app

    limited = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True, "SERVER_NAME": "localhost"}
    )
    client = limited.test_client()
    codes = [
        client.get("/certificates/check", query_string={"code": f"2222-3333-{n:04d}"}).status_code
        for n in range(31)
    ]
    assert codes[:30] == [200] * 30 and codes[30] == 429
    assert client.get("/certificates/check").status_code == 200  # the empty form is not a lookup
    with limited.app_context():
        db.engine.dispose()


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_pilot_cohort_has_certificates_and_seed_demo_prints_one(app, client):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
    assert len(certificates) == 10  # the pilot cohort's completers, through finish()
    assert all(c.valid and c.enrolment.status == EnrolmentStatus.COMPLETED for c in certificates)
    first = certificates[0]
    assert (
        f"Check a certificate: code {first.display_code} ({first.enrolment.user.full_name}" in result.output
    )
    page = client.get("/certificates/check", query_string={"code": first.display_code})
    assert first.enrolment.user.full_name in page.text and "Valid certificate" in page.text
