"""What a participant sees of their learning log: facilitators' comments and links as text,
escaped exactly once (docs/architecture.md §9, §13)."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

from sqlalchemy import select

from cohort.extensions import db
from cohort.models import Enrolment
from tests import factories as f

COMMENT = "Good reflection: try <script>alert('x')</script> & Feast next"


class _InsetText(HTMLParser):
    """The text of each inset (where comments are shown), as a browser would display it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.insets: list[str] = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
        elif tag == "div" and "govuk-inset-text" in (dict(attrs).get("class") or ""):
            self._depth = 1
            self.insets.append("")

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.insets[-1] += data


def _insets(page: str) -> list[str]:
    parser = _InsetText()
    parser.feed(page)
    return [" ".join(text.split()) for text in parser.insets]


def _comment_on_own_entry(world, sign_in, body: str):
    mine = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.participant.id))
    entry = f.make_log_entry(mine, "Read about feature stores", on=date(2026, 9, 10))
    db.session.commit()
    url = f"/cohorts/{world.cohort.slug}/learning-log/{mine.id}"
    response = sign_in(world.facilitator).post(
        url, data={"entry_id": str(entry.id), f"entry-{entry.id}-body": body}
    )
    assert response.status_code == 302
    return url


def test_participant_sees_the_comment_and_its_author_as_text(world, sign_in):
    _comment_on_own_entry(world, sign_in, COMMENT)
    page = sign_in(world.participant).get("/my-learning-log").text

    [inset] = _insets(page)
    assert inset.startswith("Fran Facilitator, ")
    assert inset.endswith(COMMENT)
    # Escaped once: no markup shown as text, and what was typed is never run as a script.
    assert "&lt;p" not in page and "&amp;lt;" not in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Feast next</p>" in page


def test_facilitator_sees_the_same_comment_as_text(world, sign_in):
    url = _comment_on_own_entry(world, sign_in, COMMENT)
    page = sign_in(world.facilitator).get(url).text
    [inset] = _insets(page)
    assert inset.startswith("Fran Facilitator, ") and inset.endswith(COMMENT)
    assert "<script>alert" not in page


def test_a_link_in_an_entry_is_a_link(world, sign_in):
    client = sign_in(world.participant)
    link = "https://github.com/example/court-backlog?a=1&b=2"
    response = client.post(
        "/my-learning-log/new",
        data={"entry_date": ["5", "10", "2026"], "activity": "Read code", "hours": "1", "link": link},
    )
    assert response.status_code == 302
    page = client.get("/my-learning-log").text
    escaped = "https://github.com/example/court-backlog?a=1&amp;b=2"
    assert f'href="{escaped}">{escaped}</a>' in page
    assert "&lt;a class" not in page
