"""docs/messages.md lists every kind of message the service sends, as cohort/messages/kinds.py
defines them, and each kind has its template."""

from __future__ import annotations

import re
from pathlib import Path

from cohort.messages.kinds import KINDS

ROOT = Path(__file__).resolve().parents[2]


def test_every_kind_is_in_the_design_document_with_its_words():
    document = (ROOT / "docs/messages.md").read_text()
    start = document.index("## The messages")
    text = document[start : document.index("\n## ", start + 1)]
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([a-z_]+)` \|.*$", text, re.MULTILINE)}
    assert set(rows) == set(KINDS)
    for name, kind in KINDS.items():
        assert kind.label in rows[name] and ("| yes |" if kind.optional else "| no |") in rows[name]


def test_every_kind_has_a_template_with_a_subject_and_a_body():
    folder = ROOT / "cohort/messages/templates/messages/email"
    for name in KINDS:
        template = (folder / f"{name}.txt").read_text()
        assert "{% block subject %}" in template and "{% block body %}" in template, name
