"""Password hashing (argon2id) and the password policy.

Policy follows NCSC guidance: at least 12 characters, up to 128 allowed (so long
passphrases fit), no composition rules, and refused when
it is on the project's list of common passwords or is the person's own email.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128

# argon2-cffi's defaults are the RFC 9106 "low memory" profile (argon2id, 64 MiB).
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same time as a real check, so a missing account or password
        # cannot be told apart by how long the answer takes.
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("cohort").joinpath("data/common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#")


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why this password may not be used, in words for the person, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    folded = password.strip().lower()
    if folded in common_passwords():
        return "Password is too common: choose one that others would not guess"
    if len(set(folded)) <= 2:
        return "Password is too easy to guess: do not repeat the same characters"
    if email and folded in {email.lower(), email.lower().split("@")[0]}:
        return "Password must not be your email address"
    return None
