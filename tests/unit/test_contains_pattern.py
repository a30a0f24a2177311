"""The LIKE pattern search uses (cohort/paging.py): the text's own wildcards and escape
character are taken literally."""

from __future__ import annotations

import pytest

from cohort.paging import contains_pattern


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Okafor", "%okafor%"),
        ("100%", "%100\\%%"),
        ("under_score", "%under\\_score%"),
        ("back\\slash", "%back\\\\slash%"),
        ("%_\\", "%\\%\\_\\\\%"),
    ],
)
def test_wildcards_are_escaped(text, pattern):
    assert contains_pattern(text) == pattern
