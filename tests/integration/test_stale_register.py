"""A register, an assessment grid or one participant's assessment saved from a page opened before
someone else's change: refused whole with what changed, by whom and when, keeping what the person
chose; cells they did not change are never written (docs/decisions/0003-concurrent-registers-and-grids.md).

The pages are filled in as a browser would: every field of the form as the page has it, hidden
ones included, with the person's changes on top.
"""

from __future__ import annotations

import html
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from cohort.attendance import service
from cohort.domain.progress import Checkpoint, Source
from cohort.domain.schedule import SessionKind
from cohort.domain.times import clock_time
from cohort.extensions import db
from cohort.models import Assessment, AttendanceMark, AuditEvent, Role, Session, Skill
from cohort.models.base import utcnow
from tests import factories as f


class _Form(HTMLParser):
    """The fields a browser would send for the form with this id (no buttons)."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, {}
        self.select = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside:
            return
        elif tag == "input" and a.get("type") in ("hidden", "text", "url", None):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "radio" and "checked" in a:
            self.fields[a["name"]] = a["value"]
        elif tag == "select":
            self.select = a["name"]
            self.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and "selected" in a:
            self.fields[self.select] = a["value"]
        elif tag == "textarea":
            self.textarea = a["name"]
            self.fields[self.textarea] = ""

    def handle_data(self, data):
        if self.textarea:
            self.fields[self.textarea] += data.lstrip("\n") if not self.fields[self.textarea] else data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_fields(page: str, form_id: str) -> dict[str, str]:
    parser = _Form(form_id)
    parser.feed(page)
    return parser.fields


def text_of(response) -> str:
    return html.unescape(response.text)


@pytest.fixture
def people(world):
    """The enrolments of Siân O'Neill and Zoë Ng. Fran Facilitator runs their cohort; Priya Admin,
    the programme manager, is the one whose page goes stale."""
    me = f.enrolment_of(world.cohort, world.participant)
    other = f.enrolment_of(world.cohort, world.other_participant)
    return me, other


def _events(entity_type: str) -> int:
    return db.session.scalar(select(func.count()).where(AuditEvent.entity_type == entity_type))


# Registers -------------------------------------------------------------------------------


@pytest.fixture
def workshop(world):
    starts = utcnow().replace(microsecond=0) - timedelta(hours=2)
    session = Session(
        cohort=world.cohort,
        kind=SessionKind.WORKSHOP,
        title="Workshop: Pipelines",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        mandatory=False,
        sequence=0,
    )
    db.session.add(session)
    db.session.commit()
    return session


def register_url(session) -> str:
    return f"/cohorts/{session.cohort.slug}/sessions/{session.id}/register"


def marks(session) -> dict[int, tuple[str, str | None]]:
    db.session.expire_all()
    rows = db.session.scalars(select(AttendanceMark).where(AttendanceMark.session_id == session.id))
    return {m.enrolment_id: (m.mark.value, m.note) for m in rows}


def open_register(client, session) -> dict[str, str]:
    page = client.get(register_url(session))
    assert page.status_code == 200
    return form_fields(page.text, "register")


def save(client, session, fields: dict[str, str], **changes):
    return client.post(register_url(session), data={**fields, **changes, "save": "y"})


def test_register_page_carries_what_each_row_showed(world, sign_in, workshop, people):
    me, other = people
    fran = sign_in(world.facilitator)
    save(fran, workshop, open_register(fran, workshop), **{f"mark-{me.id}": "late", f"note-{me.id}": "Train"})
    fields = open_register(fran, workshop)
    assert (fields[f"was-{me.id}"], fields[f"was-note-{me.id}"]) == ("late", "Train")
    assert (fields[f"was-{other.id}"], fields[f"was-note-{other.id}"]) == ("", "")


def test_stale_register_is_refused_with_who_changed_what_and_when(app, world, sign_in, workshop, people):
    me, other = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    save(fran, workshop, open_register(fran, workshop), **{f"mark-{me.id}": "present"})
    opened = open_register(priya, workshop)  # Priya opens the register: Siân is present
    save(fran, workshop, open_register(fran, workshop), **{f"mark-{me.id}": "late"})  # then Fran: late
    before = marks(workshop), _events("AttendanceMark")

    response = save(
        priya,
        workshop,
        opened,
        **{f"mark-{me.id}": "excused", f"note-{me.id}": "Doctor's appointment", f"mark-{other.id}": "absent"},
    )

    assert response.status_code == 409
    page = text_of(response)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    message = (
        f"Fran Facilitator changed Siân O'Neill's mark from Present to Late at {clock_time(event.at)} "
        "after you opened this page"
    )
    assert "There is a problem" in page and "Nothing was saved" in page
    assert page.count(message) == 2  # in the error summary, and beside the row
    assert f'href="#mark-{me.id}"' in response.text
    assert "Saved now: Late" in page
    assert (marks(workshop), _events("AttendanceMark")) == before  # nothing written, not even Zoë
    # What Priya chose is still there, for both people.
    fields = form_fields(response.text, "register")
    assert fields[f"mark-{me.id}"] == "excused" and fields[f"note-{me.id}"] == "Doctor's appointment"
    assert fields[f"mark-{other.id}"] == "absent"
    # Saving again from this page means "I have seen Fran's change": it is saved.
    assert fields[f"was-{me.id}"] == "late"
    assert save(priya, workshop, fields).status_code == 302
    assert marks(workshop) == {me.id: ("excused", "Doctor's appointment"), other.id: ("absent", None)}


def test_rows_not_changed_are_never_written(app, world, sign_in, workshop, people):
    me, other = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = open_register(priya, workshop)  # nobody marked yet
    save(
        fran,
        workshop,
        open_register(fran, workshop),
        **{f"mark-{other.id}": "excused", f"note-{other.id}": "Ill"},
    )
    # Priya marks only Siân: her page still says Zoë is not marked, which is no change of hers.
    assert save(priya, workshop, opened, **{f"mark-{me.id}": "present"}).status_code == 302
    assert marks(workshop) == {me.id: ("present", None), other.id: ("excused", "Ill")}


def test_the_same_change_made_twice_is_not_a_conflict(app, world, sign_in, workshop, people):
    me, _ = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = open_register(priya, workshop)
    save(fran, workshop, open_register(fran, workshop), **{f"mark-{me.id}": "late"})
    events = _events("AttendanceMark")
    response = priya.post(register_url(workshop), data={**opened, f"mark-{me.id}": "late", "save": "y"})
    assert response.status_code == 302
    assert marks(workshop) == {me.id: ("late", None)}
    assert _events("AttendanceMark") == events  # nothing left to write


def test_a_check_in_after_the_page_was_opened_is_named(app, world, sign_in, people):
    me, _ = people
    starts = utcnow().replace(microsecond=0) - timedelta(minutes=20)
    session = Session(
        cohort=world.cohort,
        kind=SessionKind.WORKSHOP,
        title="Workshop: Serving models",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        sequence=0,
    )
    db.session.add(session)
    db.session.flush()
    check_in = service.open_check_in(world.facilitator, session, 30, 0)
    db.session.commit()
    fran = sign_in(world.facilitator)
    opened = open_register(fran, session)
    siân = app.test_client()
    f.sign_in_as(siân, world.participant)
    assert siân.post("/check-in", data={"code": check_in.code}).status_code == 302
    response = save(fran, session, opened, **{f"mark-{me.id}": "absent"})
    assert response.status_code == 409
    assert "Siân O'Neill checked in as late at " in text_of(response)
    assert marks(session) == {me.id: ("late", None)}


def test_a_form_without_what_it_showed_is_saved_as_before(world, sign_in, workshop, people):
    """The rule for an old page or an API-like client: no stale-page check, the last save wins,
    and only rows that differ from what is saved are written."""
    me, other = people
    fran = sign_in(world.facilitator)
    save(fran, workshop, open_register(fran, workshop), **{f"mark-{me.id}": "late", f"note-{me.id}": "Bus"})
    events = _events("AttendanceMark")
    response = fran.post(
        register_url(workshop), data={"save": "y", f"mark-{me.id}": "present", f"mark-{other.id}": "absent"}
    )
    assert response.status_code == 302
    # The note was not sent, so it stays.
    assert marks(workshop) == {me.id: ("present", "Bus"), other.id: ("absent", None)}
    assert _events("AttendanceMark") == events + 2


@pytest.mark.parametrize("was", ["asleep", "x" * 600])
def test_made_up_was_values_count_as_not_known(world, sign_in, workshop, people, was):
    me, _ = people
    fran = sign_in(world.facilitator)
    response = fran.post(
        register_url(workshop),
        data={"save": "y", f"mark-{me.id}": "present", f"was-{me.id}": was, f"was-note-{me.id}": was},
    )
    assert response.status_code == 302
    assert marks(workshop) == {me.id: ("present", None)}


# The assessment grid and one participant's assessment -------------------------------------


@pytest.fixture
def skills(world):
    python = db.session.get(Skill, f.skill_id_in(world.cohort))
    ethics = f.make_skill("Responsible AI and ethics", "Responsible AI")
    f.assess_skill(world.cohort, ethics, 3)
    db.session.commit()
    return python, ethics


def grid_url(world, skill="all") -> str:
    """The grid with every skill (?skill=all), or one skill (its id): the form is the same."""
    return f"/cohorts/{world.cohort.slug}/assessments/baseline?skill={skill}"


def levels(source="facilitator") -> dict:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Assessment).where(
            Assessment.checkpoint == Checkpoint.BASELINE, Assessment.source == Source(source)
        )
    )
    return {(a.enrolment_id, a.skill_id): (a.level, a.evidence) for a in rows}


def open_grid(client, world, skill="all") -> dict[str, str]:
    page = client.get(grid_url(world, skill))
    assert page.status_code == 200
    return form_fields(page.text, "grid")


def test_stale_grid_is_refused_keeping_the_levels_chosen(app, world, sign_in, skills, people):
    python, ethics = skills
    me, other = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    fran.post(grid_url(world), data={**open_grid(fran, world), f"level-{me.id}-{python.id}": "1"})
    opened = open_grid(priya, world)
    assert opened[f"was-{me.id}-{python.id}"] == "1" and opened[f"was-{other.id}-{ethics.id}"] == ""
    fran.post(grid_url(world), data={**open_grid(fran, world), f"level-{me.id}-{python.id}": "2"})
    before = levels(), _events("Assessment")

    response = priya.post(
        grid_url(world),
        data={**opened, f"level-{me.id}-{python.id}": "3", f"level-{other.id}-{ethics.id}": "4"},
    )

    assert response.status_code == 409
    page = text_of(response)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (
        f"Fran Facilitator changed Siân O'Neill's {python.name} level from 1 – Awareness to 2 – Working "
        f"at {clock_time(event.at)} after you opened this page"
    ) in page
    assert "Nothing was saved" in page and "Saved now: 2 – Working" in page
    assert f'href="#level-{me.id}-{python.id}"' in response.text
    assert (levels(), _events("Assessment")) == before
    fields = form_fields(response.text, "grid")
    assert fields[f"level-{me.id}-{python.id}"] == "3" and fields[f"level-{other.id}-{ethics.id}"] == "4"
    assert priya.post(grid_url(world), data=fields).status_code == 302
    assert levels() == {(me.id, python.id): (3, None), (other.id, ethics.id): (4, None)}


def test_stale_save_of_one_skill_is_refused_on_that_skill(app, world, sign_in, skills, people):
    python, ethics = skills
    me, other = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = open_grid(priya, world, ethics.id)  # Priya opens the ethics column only …
    assert set(opened) - {"csrf_token"} == {
        *(f"{k}-{p.id}-{ethics.id}" for k in ("was", "level") for p in (me, other)),
    }
    # … Fran sets Siân's ethics level, and a Python level, from every skill at once.
    fran.post(
        grid_url(world),
        data={
            **open_grid(fran, world),
            f"level-{me.id}-{ethics.id}": "2",
            f"level-{other.id}-{python.id}": "1",
        },
    )
    before = levels(), _events("Assessment")

    response = priya.post(grid_url(world, ethics.id), data={**opened, f"level-{me.id}-{ethics.id}": "4"})

    assert response.status_code == 409
    page = text_of(response)
    assert f"Fran Facilitator set Siân O'Neill's {ethics.name} level to 2 – Working at " in page
    assert "Nothing was saved" in page and "Saved now: 2 – Working" in page
    assert (levels(), _events("Assessment")) == before
    fields = form_fields(response.text, "grid")  # still the ethics column, with Priya's choice
    assert fields[f"level-{me.id}-{ethics.id}"] == "4" and f"level-{other.id}-{python.id}" not in fields
    assert priya.post(grid_url(world, ethics.id), data=fields).status_code == 302
    assert levels() == {(me.id, ethics.id): (4, None), (other.id, python.id): (1, None)}


def test_grid_cells_not_changed_are_never_written(app, world, sign_in, skills, people):
    python, ethics = skills
    me, other = people
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = open_grid(priya, world)
    fran.post(grid_url(world), data={**open_grid(fran, world), f"level-{other.id}-{python.id}": "2"})
    assert priya.post(grid_url(world), data={**opened, f"level-{me.id}-{ethics.id}": "1"}).status_code == 302
    assert levels() == {(other.id, python.id): (2, None), (me.id, ethics.id): (1, None)}


def test_stale_assessment_of_one_participant_keeps_the_evidence_typed(app, world, sign_in, skills, people):
    python, _ = skills
    me, _ = people
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline/{me.id}"
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = form_fields(priya.get(url).text, "grid")
    assert opened[f"was-evidence-{me.id}-{python.id}"] == ""
    fran.post(
        url,
        data={
            **form_fields(fran.get(url).text, "grid"),
            f"level-{me.id}-{python.id}": "2",
            f"evidence-{me.id}-{python.id}": "Wrote the tests for the pipeline",
        },
    )
    before = levels(), _events("Assessment")

    response = priya.post(
        url,
        data={
            **opened,
            f"level-{me.id}-{python.id}": "3",
            f"evidence-{me.id}-{python.id}": "Packaged the model\r\nwith CI",
            f"link-{me.id}-{python.id}": "https://github.com/example/model",
        },
    )

    assert response.status_code == 409
    page = text_of(response)
    assert f"Fran Facilitator set Siân O'Neill's {python.name} level to 2 – Working at " in page
    assert "Saved now: 2 – Working, evidence: “Wrote the tests for the pipeline”" in page
    assert (levels(), _events("Assessment")) == before
    fields = form_fields(response.text, "grid")
    assert fields[f"level-{me.id}-{python.id}"] == "3"
    assert fields[f"evidence-{me.id}-{python.id}"].replace("\r\n", "\n") == "Packaged the model\nwith CI"
    assert fields[f"link-{me.id}-{python.id}"] == "https://github.com/example/model"
    assert priya.post(url, data=fields).status_code == 302
    assert levels()[(me.id, python.id)][0] == 3


def test_evidence_changed_by_someone_else_is_a_conflict_too(app, world, sign_in, skills, people):
    python, _ = skills
    me, _ = people
    f.make_assessment(me, python, 2, by=world.facilitator)
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/assessments/baseline/{me.id}"
    fran, priya = sign_in(world.facilitator), app.test_client()
    f.sign_in_as(priya, world.admin)
    opened = form_fields(priya.get(url).text, "grid")
    fields = form_fields(fran.get(url).text, "grid")
    fran.post(url, data={**fields, f"evidence-{me.id}-{python.id}": "Seen in the code review"})
    response = priya.post(url, data={**opened, f"evidence-{me.id}-{python.id}": "Seen at the show and tell"})
    assert response.status_code == 409
    assert f"Fran Facilitator changed the evidence for Siân O'Neill's {python.name} level at " in text_of(
        response
    )
    assert levels()[(me.id, python.id)] == (2, "Seen in the code review")


def test_self_assessment_saved_in_two_tabs(app, world, sign_in, skills, people):
    python, _ = skills
    me, _ = people
    url = "/my-progress/self-assessment/baseline"
    tab_one = sign_in(world.participant)
    first, second = form_fields(tab_one.get(url).text, "grid"), form_fields(tab_one.get(url).text, "grid")
    assert tab_one.post(url, data={**first, f"level-{me.id}-{python.id}": "2"}).status_code == 302
    response = tab_one.post(url, data={**second, f"level-{me.id}-{python.id}": "3"})
    assert response.status_code == 409
    assert f"You set your {python.name} level to 2 – Working at " in text_of(response)
    assert levels("self") == {(me.id, python.id): (2, None)}


def test_a_grid_without_what_it_showed_is_saved_as_before(world, sign_in, skills, people):
    python, _ = skills
    me, _ = people
    f.make_assessment(me, python, 1)
    db.session.commit()
    fran = sign_in(world.facilitator)
    assert fran.post(grid_url(world), data={f"level-{me.id}-{python.id}": "3"}).status_code == 302
    assert levels() == {(me.id, python.id): (3, None)}


def test_other_roles_still_cannot_save(world, sign_in, skills, people):
    python, _ = skills
    me, _ = people
    other = f.make_user(Role.FACILITATOR)
    db.session.commit()
    client = sign_in(other)
    assert (
        client.post(
            grid_url(world), data={f"level-{me.id}-{python.id}": "3", f"was-{me.id}-{python.id}": ""}
        ).status_code
        == 404
    )
    assert levels() == {}
