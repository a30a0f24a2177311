"""Certificate verification codes: made, shown and read back. Plain Python, no Flask.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I), made with
`secrets`, stored as "ABCDEFGHJKLM" and printed as "ABCD-EFGH-JKLM". What people type is
read generously (any case, spaces and hyphens anywhere) but strictly checked otherwise.
"""

from __future__ import annotations

import re
import secrets

from cohort.models.certificate import CODE_ALPHABET, CODE_LENGTH

MAX_INPUT = 40  # typed input longer than this is refused before anything else is done
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—]+")  # spaces and the hyphens/dashes a copy may bring
_LETTERS_AND_DIGITS = re.compile(r"[A-Z0-9]*")


class CodeError(ValueError):
    """Typed input that cannot be a code, with the message to show."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(typed: str | None) -> str:
    """The stored form of a typed code, or CodeError saying what is wrong with it.

    A well-formed code that was never issued is not an error here: the caller looks it up and
    says that no valid certificate has it, the same answer as for a revoked one.
    """
    typed = (typed or "").strip()
    if not typed:
        raise CodeError("Enter the verification code printed on the certificate")
    if len(typed) > MAX_INPUT:
        raise CodeError(f"Verification code must be {MAX_INPUT} characters or fewer")
    plain = _SEPARATORS.sub("", typed)
    # ASCII checked before upper-casing: "ﬁ".upper() is "FI".
    plain = plain.upper() if plain.isascii() else "?"
    if not _LETTERS_AND_DIGITS.fullmatch(plain):
        raise CodeError("Verification code must only contain letters, numbers, spaces and hyphens")
    if len(plain) != CODE_LENGTH:
        raise CodeError(f"Verification code must be {CODE_LENGTH} letters and numbers, like ABCD-EFGH-JKLM")
    return plain
