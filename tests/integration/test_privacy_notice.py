"""The privacy notice lists what Cohort holds, why and for how long, from the register and
the retention rules (docs/personal-data.md §1, §3)."""

from __future__ import annotations

import html

from cohort.models import messages as messages_models
from cohort.privacy.register import PersonalData
from cohort.privacy.rules import RETENTION_RULES


def _page(client) -> str:
    response = client.get("/privacy")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_notice_lists_every_declaration_and_every_rule(client):
    page = _page(client)
    for caption in ("Your account", "Your attendance", "Signing in and security", "E-mails we send you"):
        assert caption in page
    assert "Your learning log: what you did, for how long, and what you learnt." in page
    for item in RETENTION_RULES:
        assert item.label in page
        assert item.period_text() in page
        assert item.reason in page
    assert "2 years after the person's last cohort ends" in page
    assert "90 days after the attempt or session" in page
    # The controller's text stays.
    assert "performance of a task carried out in the public interest" in page
    assert "data protection officer" in page


def test_a_new_declaration_shows_on_the_notice(client, monkeypatch):
    extra = PersonalData(
        table="pet_names",
        columns=("pet_name", "vet_phone"),
        purpose="To wish your pet a happy birthday.",
        retention="learning_log_text",
        subject=("user:user_id",),
    )
    monkeypatch.setattr(
        messages_models, "PERSONAL_DATA", (*messages_models.PERSONAL_DATA, extra), raising=True
    )
    page = _page(client)
    assert "Other records" in page
    assert "Pet name, vet phone" in page
    assert "To wish your pet a happy birthday." in page


def test_the_periods_shown_follow_the_settings(app, client):
    app.config["RETAIN_SIGN_IN_DAYS"] = 30
    app.config["RETAIN_PARTICIPANT_YEARS"] = 1
    page = _page(client)
    assert "30 days after the attempt or session" in page
    assert "1 year after the person's last cohort ends" in page
    assert "90 days after the attempt or session" not in page
