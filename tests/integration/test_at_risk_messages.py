"""The weekly at-risk e-mails (docs/messages.md): a participant is told on the Monday morning
after their standing becomes at risk, why and what would put it right, once a week at most and
not again for the same reasons; each sponsor gets a list of their own department's people at
risk; a cohort can turn them off, and a person can turn their own off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import select

from cohort.completion.messages import (
    attendance_needed,
    digest_due,
    iso_week,
    queue_weekly_at_risk,
    weekly_at_risk,
)
from cohort.domain.attendance import Mark
from cohort.domain.schedule import SessionKind
from cohort.extensions import db
from cohort.messages.preferences import unsubscribe
from cohort.models import AttendanceMark, AuditEvent, Cohort, MarkSource, Role
from tests import factories
from tests.integration.test_outcome_messages import path_of
from tests.mail import link_in, outbox
from tests.sessions import make_session

START = date(2026, 9, 7)  # a Monday
# Monday mornings, 08:30 in London (BST: 07:30 UTC).
WEEK_2 = datetime(2026, 9, 14, 7, 30, tzinfo=UTC)
WEEK_3 = WEEK_2 + timedelta(weeks=1)
WEEK_4 = WEEK_2 + timedelta(weeks=2)


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
def running(world):
    """A running cohort: a workshop every Tuesday for six weeks and a mandatory ethics session on
    the Thursday of week 3. Siân (MOJ) attends everything. Zoë (DVLA) misses week 1's workshop
    and the ethics session. Ann (MOJ) misses week 1's workshop only."""
    cohort = factories.make_cohort("AI Accelerator — Autumn", start=START, facilitators=[world.facilitator])
    ann = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Ann Abbott")
    people = {
        "siân": factories.enrol(cohort, world.participant),
        "zoë": factories.enrol(cohort, world.other_participant),
        "ann": factories.enrol(cohort, ann),
    }
    workshops = [
        make_session(cohort, START + timedelta(weeks=w, days=1), title=f"Workshop {w + 1}") for w in range(6)
    ]
    ethics = make_session(
        cohort,
        START + timedelta(weeks=2, days=3),
        kind=SessionKind.ETHICS,
        title="Ethics: Bias and fairness",
        mandatory=True,
    )
    for session in [*workshops, ethics]:
        for name, enrolment in people.items():
            missed = (session is workshops[0] and name in ("zoë", "ann")) or (
                session is ethics and name == "zoë"
            )
            _mark(session, enrolment, Mark.ABSENT if missed else Mark.PRESENT, world.facilitator)
    db.session.commit()
    return SimpleNamespace(cohort=cohort, ann_user=ann, **people)


def test_the_digest_tells_each_person_once_a_week_and_again_only_for_new_reasons(
    client, world, sign_in, running
):
    counts = queue_weekly_at_risk(WEEK_2)
    assert (counts.at_risk, counts.participants) == (2, 2)  # Zoë and Ann; Siân is on track
    sent = outbox("at_risk")
    assert sorted(m.to_address for m in sent) == sorted(
        [world.other_participant.email, running.ann_user.email]
    )
    to_zoë = outbox("at_risk", to=world.other_participant)[0]
    assert to_zoë.subject == "Your completion of AI Accelerator — Autumn is at risk"
    assert "* Attendance 0% (0 of 1 sessions) — needs 80%" in to_zoë.body_text
    assert "attend at least 6 of the 6 sessions still to come to reach 80% by the end" in to_zoë.body_text
    assert to_zoë.key == f"at_risk:enrolment:{running.zoë.id}:{world.other_participant.id}:2026-W38"
    assert to_zoë.status.value == "sent"
    # Its one link opens Zoë's own progress page.
    sign_in(world.other_participant)
    page = client.get(path_of(link_in(to_zoë, "/my-progress")))
    assert page.status_code == 200 and "AI Accelerator — Autumn" in page.text

    # The same week again (a second run of the job): nothing more.
    assert queue_weekly_at_risk(WEEK_2 + timedelta(hours=1)).participants == 0
    assert len(outbox("at_risk")) == 2

    # Next week: still at risk for the same reason (attendance, now 50%): not told again.
    assert queue_weekly_at_risk(WEEK_3).participants == 0
    assert len(outbox("at_risk", to=world.other_participant)) == 1

    # The week after, Zoë has missed the mandatory ethics session too: a new reason, a new note.
    assert queue_weekly_at_risk(WEEK_4).participants == 1
    notes = outbox("at_risk", to=world.other_participant)
    assert len(notes) == 2
    assert "Ethics: Bias and fairness (week 3) missed, no catch-up" in notes[1].body_text
    assert "ask your facilitator to book a catch-up" in notes[1].body_text
    assert notes[1].key.endswith(":2026-W40")
    assert len(outbox("at_risk", to=running.ann_user)) == 1  # Ann's reasons did not change


def test_someone_who_recovered_and_fell_back_is_told_again(world, running):
    running.cohort.min_attendance = 0.5
    running.cohort.require_mandatory = False
    db.session.commit()
    assert queue_weekly_at_risk(WEEK_2).participants == 2  # 0 of 1
    assert queue_weekly_at_risk(WEEK_3).participants == 0  # 1 of 2: 50%, on track
    # By week 4 Zoë has missed the ethics session too (2 of 4, still 50%); she misses week 3's workshop.
    mark = db.session.scalar(
        select(AttendanceMark).where(
            AttendanceMark.enrolment_id == running.zoë.id, AttendanceMark.session.has(title="Workshop 3")
        )
    )
    mark.mark = Mark.ABSENT
    db.session.commit()
    assert queue_weekly_at_risk(WEEK_4).participants == 1  # at risk again after a week on track
    assert len(outbox("at_risk", to=world.other_participant)) == 2
    assert len(outbox("at_risk", to=running.ann_user)) == 1


def test_each_sponsor_gets_their_own_departments_people_once_a_week(world, running):
    counts = queue_weekly_at_risk(WEEK_2)
    assert counts.sponsors == 2
    to_moj = outbox("department_at_risk", to=world.sponsor)
    to_dvla = outbox("department_at_risk", to=world.other_sponsor)
    assert len(to_moj) == len(to_dvla) == 1
    assert to_moj[0].subject == "1 person from Ministry of Justice at risk on the AI Accelerator Programme"
    assert (
        "* Ann Abbott, AI Accelerator — Autumn: Attendance 0% (0 of 1 sessions) — needs 80%"
        in to_moj[0].body_text
    )
    assert "Zoë Ng" not in to_moj[0].body_text and "Siân" not in to_moj[0].body_text
    assert (
        "* Zoë Ng, AI Accelerator — Autumn:" in to_dvla[0].body_text
        and "Ann Abbott" not in to_dvla[0].body_text
    )
    assert link_in(to_moj[0], "/departments/MOJ/report")
    assert to_moj[0].key == f"department_at_risk:department:{world.moj.id}:{world.sponsor.id}:2026-W38"
    # A second run in the same week sends nothing; the next week's summary is sent (they are still at risk).
    assert queue_weekly_at_risk(WEEK_2 + timedelta(minutes=30)).sponsors == 0
    assert queue_weekly_at_risk(WEEK_3).sponsors == 2
    assert len(outbox("department_at_risk")) == 4


def test_nothing_is_sent_when_nobody_is_at_risk(world, running):
    before_any_session = datetime(2026, 9, 7, 7, 30, tzinfo=UTC)
    counts = queue_weekly_at_risk(before_any_session)
    assert (counts.at_risk, counts.participants, counts.sponsors) == (0, 0, 0)
    assert outbox() == []


def test_a_cohort_with_the_emails_turned_off_sends_none(client, world, sign_in, running):
    sign_in(world.admin)
    url = f"/cohorts/{running.cohort.slug}/completion-rules"
    page = client.get(url)
    assert (
        'name="at_risk_emails"' in page.text
        and "checked" in page.text.split('name="at_risk_emails"')[1][:200]
    )
    saved = client.post(
        url,
        data={
            "min_attendance": "80",
            "skills_at_target": "100",
            "require_mandatory": "y",
            "require_hackathon": "y",
        },
    )
    assert saved.status_code == 302
    assert db.session.get(Cohort, running.cohort.id).at_risk_emails is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Cohort"))
    assert event.before == {"at_risk_emails": True} and event.after == {"at_risk_emails": False}
    assert "Weekly at-risk e-mails" in client.get(url).text

    counts = queue_weekly_at_risk(WEEK_2)
    assert (counts.participants, counts.sponsors) == (0, 0)
    assert outbox() == []


def test_people_who_turned_it_off_or_whose_account_is_closed_get_nothing(world, running):
    unsubscribe(world.other_participant, "at_risk")
    running.ann_user.is_active_account = False
    db.session.commit()
    queue_weekly_at_risk(WEEK_2)
    assert outbox("at_risk") == []
    # Their sponsors are still told: the summary is the sponsor's, not the participant's.
    assert "Zoë Ng" in outbox("department_at_risk", to=world.other_sponsor)[0].body_text


def test_a_finished_or_withdrawn_place_is_not_written_to(world, running):
    from cohort.models import CohortStatus, EnrolmentStatus

    running.zoë.status = EnrolmentStatus.WITHDRAWN
    running.zoë.withdrawn_on = START + timedelta(days=8)
    running.zoë.withdrawal_reason = "Moved role"
    db.session.commit()
    queue_weekly_at_risk(WEEK_2)
    assert [m.to_address for m in outbox("at_risk")] == [running.ann_user.email]
    running.cohort.status = CohortStatus.FINISHED
    db.session.commit()
    assert queue_weekly_at_risk(WEEK_3).at_risk == 0


@pytest.mark.parametrize(
    ("instant", "due"),
    [
        (datetime(2026, 9, 14, 7, 0, tzinfo=UTC), True),  # 08:00 BST
        (datetime(2026, 9, 14, 8, 59, tzinfo=UTC), True),  # 09:59 BST
        (datetime(2026, 9, 14, 9, 0, tzinfo=UTC), False),  # 10:00 BST
        (datetime(2026, 9, 14, 6, 59, tzinfo=UTC), False),  # 07:59 BST
        (datetime(2026, 11, 30, 8, 0, tzinfo=UTC), True),  # 08:00 GMT
        (datetime(2026, 11, 30, 7, 30, tzinfo=UTC), False),  # 07:30 GMT
        (datetime(2026, 9, 15, 7, 30, tzinfo=UTC), False),  # a Tuesday
    ],
)
def test_the_digest_is_due_on_monday_morning_london_time(instant, due):
    assert digest_due(instant) is due


def test_iso_weeks_and_the_attendance_still_needed():
    assert iso_week(datetime(2026, 11, 23, 8, tzinfo=UTC)) == "2026-W48"
    assert iso_week(datetime(2027, 1, 3, 23, 30, tzinfo=UTC)) == "2026-W53"  # Sunday night, London
    # 3 of 5 attended, 5 to come, 80% needed: 8 of 10.
    assert attendance_needed(3, 5, 5, limit=Fraction(4, 5)) == 5
    assert attendance_needed(4, 5, 5, limit=Fraction(4, 5)) == 4
    assert attendance_needed(0, 5, 2, limit=Fraction(4, 5)) is None


def test_the_job_sends_on_monday_morning_only(world, running):
    with time_machine.travel(WEEK_2 + timedelta(days=1), tick=False):  # Tuesday
        weekly_at_risk.call_local()
    assert outbox() == []
    db.session.commit()  # the job has a session of its own: this test's must hold no lock
    with time_machine.travel(WEEK_2, tick=False):
        weekly_at_risk.call_local()
        weekly_at_risk.call_local()
    assert len(outbox("at_risk")) == 2 and len(outbox("department_at_risk")) == 2
