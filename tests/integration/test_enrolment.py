"""Enrolling, withdrawing, reinstating and transferring participants; profiles and lists."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from cohort.enrolments.service import EnrolmentError, NewPerson, enrol_many, enrol_person
from cohort.extensions import db
from cohort.models import AuditEvent, CohortStatus, Enrolment, EnrolmentStatus, Role, User
from tests import factories
from tests.factories import enrolment_of
from tests.mail import outbox


def enrolments_in(cohort) -> list[Enrolment]:
    return list(db.session.scalars(select(Enrolment).where(Enrolment.cohort_id == cohort.id)))


def enrol_form(**changes):
    data = {
        "email": "",
        "full_name": "",
        "department": "",
        "job_title": "",
        "grade": "",
        "enrolled_on": ["1", "10", "2026"],
    }
    data.update(changes)
    return data


def test_enrol_an_existing_participant_by_email_in_any_case(client, world, sign_in):
    person = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Amara Okafor")
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.other_cohort.slug}/enrol", data=enrol_form(email=person.email.upper())
    )
    assert response.status_code == 302
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == person.id))
    assert enrolment.cohort_id == world.other_cohort.id and enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.enrolled_on == date(2026, 10, 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity_type == "Enrolment"))
    assert event.action == "create" and event.actor_id == world.admin.id
    assert "Amara Okafor enrolled" in client.get(response.headers["Location"]).text


def test_enrol_a_new_person_creates_a_participant_account(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/enrol",
        data=enrol_form(
            email="Nia.Evans@Gov.Wales", full_name="Nia Evans", department=str(world.moj.id), grade="SEO"
        ),
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nia.evans@gov.wales"))
    assert user.role == Role.PARTICIPANT and user.password_hash is None
    assert db.session.scalar(select(Enrolment.grade).where(Enrolment.user_id == user.id)) == "SEO"
    page = client.get(response.headers["Location"]).text
    # Invited by e-mail at once (tests/integration/test_invitations.py follows the link).
    assert "have been emailed an invitation to set a password (nia.evans@gov.wales)" in page
    assert "/set-password/" not in page
    (invitation,) = outbox("invitation", to="nia.evans@gov.wales")
    assert world.cohort.name in invitation.body_text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Enter the person&#39;s email address"),
        ({"email": "not-an-email"}, "Enter an email address in the correct format"),
        ({"email": "new.person@justice.gov.uk"}, "Enter the person&#39;s full name"),
        (
            {"email": "new.person@justice.gov.uk", "full_name": "New Person"},
            "Select the person&#39;s department",
        ),
        ({"email": "new.person@justice.gov.uk", "full_name": "N" * 121}, "120 characters or fewer"),
        (
            {"email": "new.person@justice.gov.uk", "full_name": "Evil\u202eName", "department": "1"},
            "invisible or control",
        ),
        (
            {"email": "new.person@justice.gov.uk", "full_name": "New Person", "department": "99999"},
            "Not a valid choice",
        ),
        (
            {"email": "new.person@justice.gov.uk", "enrolled_on": ["31", "2", "2026"]},
            "Enrolment date must be a real date",
        ),
    ],
)
def test_bad_enrolment_input_gets_a_clear_message_and_writes_nothing(
    client, world, sign_in, changes, message
):
    sign_in(world.admin)
    before = len(enrolments_in(world.cohort))
    response = client.post(f"/cohorts/{world.cohort.slug}/enrol", data=enrol_form(**changes))
    assert response.status_code == 400
    assert message in response.text
    assert len(enrolments_in(world.cohort)) == before
    assert db.session.scalar(select(User).where(User.email == "new.person@justice.gov.uk")) is None


def test_the_same_person_twice_is_refused(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(
        f"/cohorts/{world.cohort.slug}/enrol", data=enrol_form(email=world.participant.email)
    )
    assert response.status_code == 400
    assert "is already enrolled in AI Accelerator — Cohort 1" in response.text


@pytest.mark.parametrize("who", ["admin", "facilitator", "sponsor"])
def test_staff_accounts_cannot_be_enrolled(client, world, sign_in, who):
    sign_in(world.admin)
    email = getattr(world, who).email
    response = client.post(f"/cohorts/{world.cohort.slug}/enrol", data=enrol_form(email=email))
    assert response.status_code == 400
    assert "only participants can be enrolled" in response.text


def test_a_full_cohort_refuses_with_a_clear_message(client, world, sign_in):
    world.cohort.capacity = 2  # both places are taken by the world's participants
    db.session.commit()
    person = factories.make_user(Role.PARTICIPANT, world.moj)
    sign_in(world.admin)
    response = client.post(f"/cohorts/{world.cohort.slug}/enrol", data=enrol_form(email=person.email))
    assert response.status_code == 400
    assert "is full: 2 of 2 places are taken" in response.text
    assert len(enrolments_in(world.cohort)) == 2


def test_a_finished_cohort_cannot_take_enrolments(client, world, sign_in):
    world.other_cohort.status = CohortStatus.FINISHED
    person = factories.make_user(Role.PARTICIPANT, world.moj)
    db.session.commit()
    sign_in(world.admin)
    response = client.post(f"/cohorts/{world.other_cohort.slug}/enrol", data=enrol_form(email=person.email))
    assert response.status_code == 400
    assert "is finished" in response.text


def test_withdraw_needs_reason_and_date_and_is_audited(client, world, sign_in):
    enrolment = enrolment_of(world.cohort, world.participant)
    sign_in(world.admin)
    url = f"/enrolments/{enrolment.id}/withdraw"
    empty = client.post(url, data={"reason": "", "withdrawn_on": ["", "", ""]})
    assert empty.status_code == 400
    assert "Enter the reason for withdrawing" in empty.text and "Enter the date of withdrawal" in empty.text
    too_early = client.post(url, data={"reason": "Moved role", "withdrawn_on": ["1", "1", "2020"]})
    assert "cannot be before the person was enrolled" in too_early.text
    long_reason = client.post(url, data={"reason": "x" * 501, "withdrawn_on": ["2", "11", "2026"]})
    assert "500 characters or fewer" in long_reason.text
    assert enrolment_of(world.cohort, world.participant).status == EnrolmentStatus.ACTIVE

    done = client.post(url, data={"reason": "Moved to a new role", "withdrawn_on": ["2", "11", "2026"]})
    assert done.status_code == 302
    enrolment = enrolment_of(world.cohort, world.participant)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert (
        enrolment.withdrawn_on == date(2026, 11, 2) and enrolment.withdrawal_reason == "Moved to a new role"
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "withdraw"))
    assert event.before["status"] == "active" and event.after["status"] == "withdrawn"
    profile = client.get(done.headers["Location"]).text
    assert "Moved to a new role" in profile and "Withdrew Siân O&#39;Neill" in profile

    again = client.post(url, data={"reason": "Again", "withdrawn_on": ["3", "11", "2026"]})
    assert again.status_code == 400 and "Only an active enrolment can be withdrawn" in again.text


def test_reinstate_brings_a_withdrawn_person_back_if_there_is_room(client, world, sign_in):
    enrolment = enrolment_of(world.cohort, world.participant)
    enrolment.status, enrolment.withdrawn_on, enrolment.withdrawal_reason = (
        EnrolmentStatus.WITHDRAWN,
        date(2026, 10, 1),
        "Ill",
    )
    world.cohort.capacity = 1  # the other participant holds the only place
    db.session.commit()
    sign_in(world.admin)
    full = client.post(f"/enrolments/{enrolment.id}/reinstate", follow_redirects=True)
    assert "is full" in full.text
    assert enrolment_of(world.cohort, world.participant).status == EnrolmentStatus.WITHDRAWN
    world.cohort.capacity = 25
    db.session.commit()
    client.post(f"/enrolments/{enrolment.id}/reinstate")
    enrolment = enrolment_of(world.cohort, world.participant)
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.withdrawal_reason is None


def test_transfer_keeps_history_and_shows_where_the_person_went(client, world, sign_in):
    enrolment = enrolment_of(world.cohort, world.participant)
    sign_in(world.admin)
    page = client.get(f"/enrolments/{enrolment.id}/transfer").text
    assert world.other_cohort.name in page and f'value="{world.cohort.slug}"' not in page
    response = client.post(
        f"/enrolments/{enrolment.id}/transfer",
        data={"to_cohort": world.other_cohort.slug, "transfer_on": ["16", "11", "2026"]},
    )
    assert response.status_code == 302
    old = enrolment_of(world.cohort, world.participant)
    new = db.session.scalar(
        select(Enrolment).where(
            Enrolment.user_id == world.participant.id, Enrolment.cohort_id == world.other_cohort.id
        )
    )
    assert old.status == EnrolmentStatus.TRANSFERRED and old.transferred_to_id == new.id
    assert new.status == EnrolmentStatus.ACTIVE and new.enrolled_on == date(2026, 11, 16)
    profile = client.get(response.headers["Location"]).text
    assert "Transferred to" in profile and "Transferred from" in profile
    cohort_page = client.get(f"/cohorts/{world.cohort.slug}").text
    assert f"to {world.other_cohort.name}" in cohort_page


def test_transfer_refusals(client, world, sign_in):
    enrolment = enrolment_of(world.cohort, world.participant)
    sign_in(world.admin)
    url = f"/enrolments/{enrolment.id}/transfer"
    same = client.post(url, data={"to_cohort": world.cohort.slug, "transfer_on": ["16", "11", "2026"]})
    assert same.status_code == 400 and "Choose the cohort to transfer to" in same.text
    factories.enrol(world.other_cohort, world.participant)
    db.session.commit()
    twice = client.post(url, data={"to_cohort": world.other_cohort.slug, "transfer_on": ["16", "11", "2026"]})
    assert twice.status_code == 400 and "already enrolled in AI Accelerator — Cohort 2" in twice.text
    assert enrolment_of(world.cohort, world.participant).status == EnrolmentStatus.ACTIVE


def test_profile_scopes(client, world, sign_in):
    url = f"/participants/{world.participant.id}"
    assert sign_in(world.participant).get(url).status_code == 200  # self
    assert client.get(f"/participants/{world.other_participant.id}").status_code == 404
    assert sign_in(world.sponsor).get(url).status_code == 200  # MOJ sponsor, MOJ participant
    assert sign_in(world.other_sponsor).get(url).status_code == 404
    assert sign_in(world.facilitator).get(url).status_code == 200
    assert sign_in(world.other_facilitator).get(url).status_code == 404
    assert sign_in(world.admin).get(f"/participants/{world.admin.id}").status_code == 404  # not a participant
    assert client.get("/participants/99999999999").status_code == 404


def test_sponsor_list_shows_only_their_department(client, world, sign_in):
    page = sign_in(world.sponsor).get("/participants/").text
    assert "Siân O&#39;Neill" in page and "Zoë Ng" not in page
    # A department filter typed into the address is ignored for sponsors.
    assert "Zoë Ng" not in client.get(f"/participants/?department={world.dvla.id}").text


def test_facilitator_list_shows_only_their_cohorts(client, world, sign_in):
    stranger = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Stranger Danger")
    factories.enrol(world.other_cohort, stranger)
    db.session.commit()
    page = sign_in(world.facilitator).get("/participants/").text
    assert "Zoë Ng" in page and "Stranger Danger" not in page


def test_participant_list_search_filter_sort_and_paging(client, world, sign_in):
    for i in range(30):
        factories.enrol(
            world.other_cohort,
            factories.make_user(Role.PARTICIPANT, world.dvla, full_name=f"Paged Person {i:02d}"),
        )
    db.session.commit()
    sign_in(world.admin)
    first = client.get("/participants/?q=paged").text
    assert "30 enrolments, showing 1 to 25" in first and "Paged Person 00" in first
    second = client.get("/participants/?q=paged&page=2").text
    assert "Paged Person 29" in second and "Paged Person 00" not in second
    assert client.get("/participants/?page=abc").status_code == 200
    assert client.get("/participants/?q=%25").status_code == 200
    by_dept = client.get(f"/participants/?department={world.moj.id}").text
    assert "Siân O&#39;Neill" in by_dept and "Zoë Ng" not in by_dept
    assert client.get("/participants/?sort=nonsense&status=nonsense").status_code == 200


def test_cohort_page_filters_and_sorts(client, world, sign_in):
    sign_in(world.admin)
    by_dept = client.get(f"/cohorts/{world.cohort.slug}?department={world.dvla.id}").text
    assert "Zoë Ng" in by_dept and "Siân O&#39;Neill" not in by_dept
    withdrawn = client.get(f"/cohorts/{world.cohort.slug}?status=withdrawn").text
    assert "Nobody matches" in withdrawn
    by_name = client.get(f"/cohorts/{world.cohort.slug}?sort=name").text
    assert by_name.index("Siân O&#39;Neill") < by_name.index("Zoë Ng")


def test_two_simultaneous_enrolments_of_one_person_make_exactly_one(app, world):
    person = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Twice Over")
    db.session.commit()
    cohort_id, email, admin_id = world.other_cohort.id, person.email, world.admin.id
    db.session.commit()  # release this test's transaction (outside a request it holds the write lock)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt():
        with app.app_context():
            from cohort.models import Cohort

            cohort = db.session.get(Cohort, cohort_id)
            actor = db.session.get(User, admin_id)
            db.session.commit()  # end the read transaction: both threads start level
            barrier.wait(timeout=10)
            try:
                enrol_person(actor, cohort, NewPerson(email=email))
                outcomes.append("enrolled")
            except EnrolmentError as error:
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("enrolled") == 1
    refusal = next(o for o in outcomes if o != "enrolled")
    assert "Twice Over is already enrolled in AI Accelerator — Cohort 2" in refusal
    count = db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.user_id == person.id))
    assert count == 1


# --- enrol_many: the bulk path behind a spreadsheet import --------------------------------


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_enrol_many_enrols_new_and_known_people_with_an_audit_event_each(world):
    known = factories.make_user(Role.PARTICIPANT, world.moj, full_name="Zoë Ng")
    events_before = _count(AuditEvent)
    results = enrol_many(
        world.admin,
        world.other_cohort,
        [
            NewPerson(email=known.email.upper()),
            NewPerson(email="sian.oneill@gov.wales", full_name="Siân O'Neill", department_id=world.moj.id),
        ],
        on=date(2026, 10, 1),
    )
    assert [(r.user.full_name, r.new_account) for r in results] == [("Zoë Ng", False), ("Siân O'Neill", True)]
    assert {e.user.full_name for e in enrolments_in(world.other_cohort)} >= {"Zoë Ng", "Siân O'Neill"}
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))[events_before:]
    assert sorted((e.entity_type, e.action) for e in events) == [
        ("Enrolment", "create"),
        ("Enrolment", "create"),
        ("User", "create"),
    ]
    assert all(e.actor_id == world.admin.id and e.entity_id for e in events)


@pytest.mark.parametrize(
    "problem, message",
    [
        ("duplicate", "appears more than once in the file"),
        ("enrolled", "is already enrolled in"),
        ("sponsor", "belongs to a department sponsor account"),
        ("no department", "Select the person's department"),
    ],
)
def test_enrol_many_writes_nothing_when_any_person_is_refused(world, problem, message):
    people = [NewPerson(email="first.new@justice.gov.uk", full_name="First New", department_id=world.moj.id)]
    if problem == "duplicate":
        people.append(people[0])
    elif problem == "enrolled":
        people.append(NewPerson(email=world.participant.email))
    elif problem == "sponsor":
        people.append(NewPerson(email=world.sponsor.email))
    else:
        people.append(NewPerson(email="lost@example.gov.uk", full_name="No Department"))
    db.session.commit()
    counts = (_count(User), _count(Enrolment), _count(AuditEvent))
    with pytest.raises(EnrolmentError, match=message):
        enrol_many(world.admin, world.cohort, people)
    assert (_count(User), _count(Enrolment), _count(AuditEvent)) == counts
