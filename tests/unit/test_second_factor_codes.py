"""Codes of the second factor, with no database (docs/sign-in.md, Second factor)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyotp
import pytest
import time_machine

from cohort.auth import second_factor as sf

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# RFC 6238's own example instant, 59 seconds after the epoch: step 1.
T = 59.0


def test_codes_are_those_any_authenticator_app_shows():
    app = pyotp.TOTP(SECRET)
    assert sf.code_at(SECRET, sf.current_step(T)) == app.at(T)
    assert len(app.at(T)) == 6


def test_the_step_is_thirty_seconds_of_unix_time():
    assert sf.current_step(0) == 0 and sf.current_step(29.9) == 0 and sf.current_step(30) == 1
    with time_machine.travel(datetime(2026, 11, 23, 10, 0, 5, tzinfo=UTC), tick=False):
        assert sf.current_step() == int(datetime(2026, 11, 23, 10, 0, tzinfo=UTC).timestamp()) // 30


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_previous_this_and_the_next_step_match(offset):
    now = 1_800_000_015.0
    step = sf.current_step(now)
    assert sf.matching_step(SECRET, sf.code_at(SECRET, step + offset), now) == step + offset


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_steps_further_away_do_not(offset):
    now = 1_800_000_015.0
    step = sf.current_step(now)
    typed = sf.code_at(SECRET, step + offset)
    near = {sf.code_at(SECRET, step + n) for n in (-1, 0, 1)}
    if typed not in near:  # (one chance in a million that codes coincide)
        assert sf.matching_step(SECRET, typed, now) is None


def test_at_the_edge_of_a_step_the_window_moves_with_it():
    edge = 1_800_000_000.0  # a step begins exactly here
    step = sf.current_step(edge)
    just_before = edge - 0.001
    assert sf.current_step(just_before) == step - 1
    later = sf.code_at(SECRET, step + 1)
    assert sf.matching_step(SECRET, later, edge) == step + 1
    if later not in {sf.code_at(SECRET, step - 2 + n) for n in range(3)}:
        assert sf.matching_step(SECRET, later, just_before) is None


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        ("123-456", "123456"),
        (" 12 34 56 ", "123456"),
        (None, ""),
    ],
)
def test_spaces_and_hyphens_are_dropped(typed, clean):
    assert sf.normalise_code(typed) == clean


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        (" - ", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits"),
        ("1234567", "The code must be 6 digits"),
        ("12345a", "The code must only include numbers 0 to 9"),
        ("١٢٣٤٥٦", "The code must only include numbers 0 to 9"),  # Arabic-Indic digits are not 0 to 9
        ("123\x00456", "The code must only include numbers 0 to 9"),
        ("123 456", None),
    ],
)
def test_what_is_wrong_with_a_typed_code(typed, problem):
    assert sf.code_problem(typed) == problem


def test_recovery_codes_are_readable_and_different():
    codes = [sf.new_recovery_code() for _ in range(200)]
    assert all(re.fullmatch(r"[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}", c) for c in codes)
    assert len(set(codes)) == 200
    assert not any(c in code for code in codes for c in "01ilo")


@pytest.mark.parametrize("typed", ["4f7k-2m9p-x3q8", "4F7K 2M9P X3Q8", "4f7k2m9px3q8", " 4f7k-2m9p-x3q8 "])
def test_a_recovery_code_is_the_same_however_typed(typed):
    assert sf.recovery_code_problem(typed) is None
    assert sf.recovery_digest(typed) == sf.recovery_digest("4f7k-2m9p-x3q8")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "Enter one of your recovery codes"),
        ("4f7k-2m9p", "A recovery code is 12 letters and numbers, like 4f7k-2m9p-x3q8"),
        ("4f7k-2m9p-x3q0", "A recovery code is 12 letters and numbers, like 4f7k-2m9p-x3q8"),
        ("4f7k-2m9p-x3q\x00", "A recovery code is 12 letters and numbers, like 4f7k-2m9p-x3q8"),
    ],
)
def test_what_is_wrong_with_a_typed_recovery_code(typed, problem):
    assert sf.recovery_code_problem(typed) == problem


def test_the_digest_is_not_the_code():
    digest = sf.recovery_digest("4f7k-2m9p-x3q8")
    assert len(digest) == 64 and "4f7k" not in digest


def test_the_secret_is_written_in_groups_of_four():
    assert sf.grouped_secret(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_the_app_is_told_the_issuer_and_the_address():
    uri = sf.provisioning_uri(SECRET, "tom.gallagher@example.gov.uk")
    assert uri.startswith("otpauth://totp/Cohort:tom.gallagher%40example.gov.uk?")
    assert "issuer=Cohort" in uri and f"secret={SECRET}" in uri


def test_the_demo_secret_is_a_valid_key():
    assert len(sf.code_at(sf.DEMO_SECRET, 1)) == 6
    assert re.fullmatch(r"[A-Z2-7]{32}", sf.DEMO_SECRET)
