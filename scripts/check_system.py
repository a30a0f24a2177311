"""Check the system libraries Cohort needs that pip cannot install, before anything uses them.

Run by `make install`. WeasyPrint (the PDF reports and certificates) loads Pango, HarfBuzz and
Fontconfig from the operating system at import time; without Pango it cannot start at all,
and without HarfBuzz-Subset it works but warns that a future version will need it (and
embeds whole fonts, so PDFs are larger). A missing required library stops the install with
the Debian command that fixes it, instead of an import error deep inside the tests.

Exit status: 0 when everything required is present (missing optional libraries are named on
standard error), 1 when a required one is missing.
"""

from __future__ import annotations

import sys
from ctypes.util import find_library

# (library name as the linker knows it, Debian package, required?)
LIBRARIES = (
    ("gobject-2.0", "libglib2.0-0", True),
    ("pango-1.0", "libpango-1.0-0", True),
    ("pangoft2-1.0", "libpangoft2-1.0-0", True),
    ("harfbuzz", "libharfbuzz0b", True),
    ("fontconfig", "libfontconfig1", True),
    ("harfbuzz-subset", "libharfbuzz-subset0", False),
)


def missing_libraries() -> tuple[list[str], list[str]]:
    """Debian packages to install: (required, recommended)."""
    required, recommended = [], []
    for name, package, needed in LIBRARIES:
        if find_library(name) is None:
            (required if needed else recommended).append(package)
    return required, recommended


def main() -> int:
    required, recommended = missing_libraries()
    if recommended:
        print(
            "Note: PDFs work, but WeasyPrint recommends "
            f"{', '.join(recommended)} (smaller PDFs; future versions need it): "
            f"sudo apt-get install {' '.join(recommended)}",
            file=sys.stderr,
        )
    if required:
        print(
            f"Cohort needs these system libraries for its PDF reports: {', '.join(required)}.\n"
            f"On Debian or Ubuntu: sudo apt-get install {' '.join(required + recommended)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
