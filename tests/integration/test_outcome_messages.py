"""Finishing a cohort e-mails each completer their certificate and each sponsor of a department
with people in it that the report is ready: to the right people, once, even when two programme
managers finish the cohort at the same moment (docs/messages.md)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from cohort.domain.attendance import Mark
from cohort.extensions import db
from cohort.messages.preferences import unsubscribe
from cohort.models import AttendanceMark, Cohort, CohortStatus, EnrolmentStatus, MarkSource, Role
from cohort.models.certificate import Certificate
from tests import factories
from tests.integration.test_concurrent_edits import threads_app  # noqa: F401 - a fixture
from tests.mail import link_in, outbox
from tests.sessions import make_session

PILOT_START = date(2026, 6, 1)  # a Monday; its last day is Friday 21 August 2026


def path_of(link: str) -> str:
    """The path and query of an e-mail's absolute link, for the test client."""
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture
def pilot(world):
    """An ended cohort: Siân (MOJ) at every session completes, Zoë (DVLA) at 2 of 4 does not.
    A third department's sponsor has nobody in it; a second MOJ sponsor's account is closed."""
    cohort = factories.make_cohort(
        "AI Accelerator — Pilot", start=PILOT_START, facilitators=[world.facilitator]
    )
    siân = factories.enrol(cohort, world.participant)
    zoë = factories.enrol(cohort, world.other_participant)
    for week in range(4):
        session = make_session(
            cohort, PILOT_START + timedelta(weeks=week, days=1), title=f"Workshop {week + 1}"
        )
        for enrolment, mark in ((siân, Mark.PRESENT), (zoë, Mark.ABSENT if week < 2 else Mark.PRESENT)):
            db.session.add(
                AttendanceMark(
                    session_id=session.id,
                    enrolment_id=enrolment.id,
                    mark=mark,
                    source=MarkSource.REGISTER,
                    recorded_by_id=world.facilitator.id,
                )
            )
    hmrc = factories.make_department("HMRC", "HM Revenue and Customs")
    factories.make_user(Role.SPONSOR, hmrc, full_name="Hari Sponsor")
    closed = factories.make_user(Role.SPONSOR, world.moj, full_name="Cleo Closed")
    closed.is_active_account = False
    db.session.commit()
    return cohort


def test_finishing_sends_the_certificate_to_each_completer_with_its_code(client, world, sign_in, pilot):
    sign_in(world.admin)
    assert client.post(f"/cohorts/{pilot.slug}/finish").status_code == 302

    sent = outbox("certificate_issued")
    assert [m.to_address for m in sent] == [world.participant.email]  # not Zoë, who did not complete
    message = sent[0]
    certificate = db.session.scalar(select(Certificate))
    assert message.subject == "Your certificate for AI Accelerator — Pilot"
    assert message.status.value == "sent"
    assert f"verification code is {certificate.display_code}" in message.body_text
    assert "Dear Siân O'Neill" in message.body_text
    # The link downloads the certificate for Siân, and nobody else can follow it.
    link = path_of(link_in(message, "/certificate.pdf"))
    sign_in(world.participant)
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    sign_in(world.other_participant)
    assert client.get(link).status_code == 404
    # The public check page, with the code from the e-mail, says the certificate is genuine.
    check = path_of(link_in(message, "/certificates/check"))
    answer = client.get(check, query_string={"code": certificate.display_code})
    assert answer.status_code == 200 and "Siân O&#39;Neill" in answer.text
    # Not optional: no unsubscribe link.
    assert "/unsubscribe/" not in message.body_text


def test_finishing_tells_the_sponsors_of_departments_in_the_cohort_only(client, world, sign_in, pilot):
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")

    sent = outbox("department_report_ready")
    assert sorted(m.to_address for m in sent) == sorted([world.sponsor.email, world.other_sponsor.email])
    to_moj = outbox("department_report_ready", to=world.sponsor)[0]
    assert to_moj.subject == "Ministry of Justice's outcome report for AI Accelerator — Pilot is ready"
    assert "* 1 completed\n* 0 did not complete" in to_moj.body_text
    to_dvla = outbox("department_report_ready", to=world.other_sponsor)[0]
    assert "* 0 completed\n* 1 did not complete" in to_dvla.body_text
    # The link opens the sponsor's own department report, showing the cohort's outcome.
    sign_in(world.sponsor)
    page = client.get(path_of(link_in(to_moj, "/departments/")))
    assert page.status_code == 200 and "Siân O&#39;Neill" in page.text and "Zoë Ng" not in page.text
    assert "/unsubscribe/" in to_moj.body_text  # optional: it can be turned off


def test_finishing_twice_sends_nothing_more(client, world, sign_in, pilot):
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    first = [m.key for m in outbox()]
    again = client.post(f"/cohorts/{pilot.slug}/finish", follow_redirects=True)
    assert "is already finished" in again.text
    assert [m.key for m in outbox()] == first
    assert sorted(k.split(":")[0] for k in first) == [
        "certificate_issued",
        "department_report_ready",
        "department_report_ready",
    ]


def test_a_sponsor_who_turned_report_emails_off_gets_none(client, world, sign_in, pilot):
    unsubscribe(world.sponsor, "department_report_ready")
    db.session.commit()
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    assert outbox("department_report_ready", to=world.sponsor) == []
    assert len(outbox("department_report_ready", to=world.other_sponsor)) == 1


def test_a_correction_to_completed_sends_the_new_certificate(client, world, sign_in, pilot):
    sign_in(world.admin)
    client.post(f"/cohorts/{pilot.slug}/finish")
    zoë = factories.enrolment_of(pilot, world.other_participant)
    client.post(
        f"/cohorts/{pilot.slug}/outcomes/{zoë.id}/override",
        data={"outcome": "completed", "reason": "The week 1 register was wrong"},
    )
    sent = outbox("certificate_issued", to=world.other_participant)
    assert len(sent) == 1
    certificate = db.session.scalar(select(Certificate).where(Certificate.enrolment_id == zoë.id))
    assert certificate.display_code in sent[0].body_text


def _finish_at_once(
    app, slug: str, admin_tokens: list[str], results: list, barrier: threading.Barrier, n: int
):
    client = app.test_client()
    factories.sign_in_as(client, admin_tokens[n])
    try:
        barrier.wait()
        results.append(client.post(f"/cohorts/{slug}/finish").status_code)
    except Exception as error:  # noqa: BLE001 - reported by the assertion
        results.append(repr(error))


def test_two_managers_finishing_at_once_send_each_message_once(world, pilot, threads_app):  # noqa: F811
    admins = [world.admin, factories.make_user(Role.ADMIN, full_name="Amir Second")]
    db.session.flush()
    tokens, slug = [factories.session_token_for(a) for a in admins], pilot.slug
    db.session.commit()  # and no transaction of this test's open while the threads write
    results: list = []
    barrier = threading.Barrier(2)
    threads = [
        threading.Thread(target=_finish_at_once, args=(threads_app, slug, tokens, results, barrier, n))
        for n in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == [302, 302], results  # one finishes, the other is told it already is
    db.session.expire_all()
    assert db.session.get(Cohort, pilot.id).status == CohortStatus.FINISHED
    assert len(outbox("certificate_issued")) == 1
    assert len(db.session.scalars(select(Certificate)).all()) == 1
    assert sorted(m.to_address for m in outbox("department_report_ready")) == sorted(
        [world.sponsor.email, world.other_sponsor.email]
    )
    assert all(m.status.value == "sent" for m in outbox())
    assert factories.enrolment_of(pilot, world.participant).status == EnrolmentStatus.COMPLETED
