"""The password policy: length, not composition; common passwords refused."""

import pytest

from cohort.auth.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",
        "alllowercaseletters",
        "a sixty-five character passphrase made of many ordinary words too",
        "correct horse battery staple",
        "Ünïcödé pässwörd",
    ],
)
def test_acceptable_passwords(password):
    assert password_problem(password, "someone@example.gov.uk") is None


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("eleven char", "12 characters or more"),
        ("y" * 129, "128 characters or fewer"),
        ("password1234", "too common"),
        ("QWERTYUIOPASDFGH", "too common"),
        ("123456789012", "too common"),
        ("abababababab", "too easy to guess"),
        ("someone.long@example.gov.uk", "must not be your email"),
    ],
)
def test_refused_passwords(password, message):
    assert message in password_problem(password, "someone.long@example.gov.uk")


def test_hash_is_argon2id_and_verifies():
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "Correct horse battery staple")
    assert not verify_password(None, "anything at all")
    assert not verify_password("not-a-hash", "anything at all")
