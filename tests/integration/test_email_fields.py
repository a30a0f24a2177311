"""E-mail address boxes follow GOV.UK's email address pattern: `type="email"` (the right
keyboard on phones), `autocomplete="email"` and `spellcheck="false"` (a spellchecker would
"correct" an address)."""

from __future__ import annotations

import re

import pytest


def _input(page: str, name: str) -> str:
    found = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', page)
    assert found, f"no input named {name}"
    return found.group(0)


@pytest.mark.parametrize("path", ["/cohorts/{slug}/enrol", "/admin/users/invite"])
def test_email_boxes_follow_the_pattern(client, world, sign_in, path):
    sign_in(world.admin)
    response = client.get(path.format(slug=world.cohort.slug))
    assert response.status_code == 200
    box = _input(response.text, "email")
    assert 'type="email"' in box
    assert 'autocomplete="email"' in box
    assert 'spellcheck="false"' in box


def test_the_enrol_box_keeps_its_attributes_with_an_error(client, world, sign_in):
    sign_in(world.admin)
    response = client.post(f"/cohorts/{world.cohort.slug}/enrol", data={"email": "not an address"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.text
    box = _input(response.text, "email")
    assert 'type="email"' in box and 'autocomplete="email"' in box and 'value="not an address"' in box
