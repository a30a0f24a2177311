"""Certificate verification codes (docs/rules.md §10.2): made from an unambiguous alphabet, shown grouped,
read back generously (case, spaces, hyphens) and strictly (anything else is refused)."""

from __future__ import annotations

import pytest

from cohort.models.certificate import CODE_ALPHABET, CODE_LENGTH
from cohort.records.codes import MAX_INPUT, CodeError, display, new_code, normalise


def test_new_codes_use_the_unambiguous_alphabet_and_differ():
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == CODE_LENGTH
        assert set(code) <= set(CODE_ALPHABET)
    assert not set("01IO") & set(CODE_ALPHABET)


def test_codes_are_shown_in_groups_of_four():
    assert display("ABCDEFGHJKLM") == "ABCD-EFGH-JKLM"


@pytest.mark.parametrize(
    "typed",
    [
        "ABCD-EFGH-JKLM",
        "abcd-efgh-jklm",
        "  abcd efgh jklm  ",
        "ABCDEFGHJKLM",
        "ab cd-ef gh–jk lm",  # an en dash, as a word processor may turn a hyphen into
        "ABCD\u00a0EFGH\u00a0JKLM",  # no-break spaces from a copied PDF
    ],
)
def test_typed_codes_are_read_in_any_case_with_spaces_and_hyphens(typed):
    assert normalise(typed) == "ABCDEFGHJKLM"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the verification code"),
        ("   ", "Enter the verification code"),
        (None, "Enter the verification code"),
        ("ABCD-EFGH", "must be 12 letters and numbers"),
        ("ABCD-EFGH-JKLM-N", "must be 12 letters and numbers"),
        ("A" * 10_000, f"must be {MAX_INPUT} characters or fewer"),
        ("ABCD\x00EFGH-JKLM", "must only contain letters, numbers, spaces and hyphens"),
        ("ABCD'; DROP TABLE certificates; --", "must only contain letters, numbers, spaces and hyphens"),
        ("' OR 1=1 --", "must only contain letters, numbers, spaces and hyphens"),
        ("<script>alert(1)</script>", "must only contain letters, numbers, spaces and hyphens"),
        ("ABCD_EFGH_JKLM", "must only contain letters, numbers, spaces and hyphens"),
        ("ÀBCD-EFGH-JKLM", "must only contain letters, numbers, spaces and hyphens"),
        ("ﬁBCD-EFGH-JKL", "must only contain letters, numbers, spaces and hyphens"),  # "ﬁ".upper() == "FI"
        ("ABCD\u202eEFGH-JKLM", "must only contain letters, numbers, spaces and hyphens"),
    ],
)
def test_what_cannot_be_a_code_is_refused_with_a_clear_message(typed, message):
    with pytest.raises(CodeError, match=message):
        normalise(typed)


def test_a_well_formed_code_is_not_judged_here():
    """Letters outside the alphabet (O, I) make a code that was never issued, not an error:
    the lookup answers, with the same words as for a revoked code."""
    assert normalise("OOOO-IIII-0000") == "OOOOIIII0000"
