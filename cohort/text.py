"""Text rules shared by forms and imports: no Flask, no database.

Control characters and invisible formatting characters (right-to-left override,
zero-width space …) are refused wherever people type or import text: they can
disguise a name or break a page. Tab, CR and LF are left to the caller.
"""

from __future__ import annotations

import re
import unicodedata

from cohort.domain.formatting import plural

__all__ = ["describe_character", "first_invisible_character", "invisible_characters", "plural", "shown"]

# Control (Cc), format (Cf: right-to-left override, zero-width space, BOM…),
# private-use (Co), surrogate (Cs) and unassigned (Cn) code points.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})

# Fast path for plain ASCII text, which is nearly every cell: the only refused
# ASCII characters are the C0 controls (except tab, LF, CR) and DEL.
_ASCII_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_CONTROL_NAMES = {
    0x00: "null character",
    0x7F: "delete character",
}


def _refused(ch: str) -> bool:
    return ch not in "\t\r\n" and unicodedata.category(ch) in REFUSED_CATEGORIES


def invisible_characters(value: str) -> list[str]:
    """The refused characters in `value`, as "U+202E" codes, in order of appearance."""
    if value.isascii():
        return [f"U+{ord(m.group()):04X}" for m in _ASCII_REFUSED.finditer(value)]
    return [f"U+{ord(ch):04X}" for ch in value if _refused(ch)]


def first_invisible_character(value: str) -> str | None:
    """The first refused character in `value`, or None: the cheap check for every cell."""
    if value.isascii():
        match = _ASCII_REFUSED.search(value)
        return match.group() if match else None
    return next((ch for ch in value if _refused(ch)), None)


def describe_character(ch: str) -> str:
    """ "U+202E, right-to-left override": a code and, where Unicode has one, a name."""
    code = ord(ch)
    name = _CONTROL_NAMES.get(code) or unicodedata.name(ch, "").lower()
    if not name:
        name = "control character" if unicodedata.category(ch) == "Cc" else "unassigned character"
    return f"U+{code:04X}, {name}"


def shown(value: str, limit: int = 60) -> str:
    """`value` made safe to quote back in a message: refused characters (and tabs and
    line breaks) replaced by their codes, so that a right-to-left override cannot
    scramble the message around it, and long values shortened."""
    if value.isascii() and not _ASCII_REFUSED.search(value) and not any(c in value for c in "\t\r\n"):
        text = value
    else:
        text = "".join(f"<U+{ord(ch):04X}>" if ch in "\t\r\n" or _refused(ch) else ch for ch in value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
