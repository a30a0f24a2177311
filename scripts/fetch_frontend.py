"""Fetch GOV.UK Frontend from the npm registry and build the service's stylesheet.

Run by `make install`. Nothing this writes is committed: it all lands in
cohort/static/govuk/, which .gitignore keeps out of the repository.

1. `npm pack govuk-frontend@<pinned>` and check the tarball against the pinned
   sha512 integrity (the same value npm's registry publishes), so a changed or
   tampered package is refused rather than served.
2. Unpack its dist/govuk folder (Sass sources, JavaScript, images).
3. Compile cohort/static/scss/cohort.scss with Dart Sass (installed by `npm ci`
   from package-lock.json, which npm checks against its own integrity hashes).
   Compiling ourselves lets us drop the GDS Transport font: this is an internal
   service, not on GOV.UK, so it must not use the GOV.UK typeface.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess  # noqa: S404 - runs npm and sass, fixed arguments
import sys
import tarfile
import tempfile
from pathlib import Path

GOVUK_FRONTEND_VERSION = "6.3.0"
GOVUK_FRONTEND_INTEGRITY = (
    "sha512-cXIQxm5PHCsbic47GXZrVBZhAeeshTLRL6ZBKilLsR6rMCjJuWb7Fruq0VUNMBJFlJk/srsRj/q8d5bM9cgKoA=="
)

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "cohort" / "static" / "govuk"
STAMP = TARGET / ".version"
SCSS_SOURCE = ROOT / "cohort" / "static" / "scss" / "cohort.scss"
SASS_BIN = ROOT / "node_modules" / ".bin" / "sass"


def _integrity_of(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def fetch_package() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(  # noqa: S603
            ["npm", "pack", f"govuk-frontend@{GOVUK_FRONTEND_VERSION}", "--json", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
            text=True,
        )
        filename = json.loads(out.stdout)[0]["filename"]
        tarball = Path(tmp) / filename
        actual = _integrity_of(tarball)
        if actual != GOVUK_FRONTEND_INTEGRITY:
            sys.exit(
                f"govuk-frontend {GOVUK_FRONTEND_VERSION}: integrity check failed\n"
                f"  expected {GOVUK_FRONTEND_INTEGRITY}\n  got      {actual}"
            )
        if TARGET.exists():
            shutil.rmtree(TARGET)
        TARGET.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.name.startswith("package/dist/govuk/")]
            tar.extractall(tmp, members=members, filter="data")
        shutil.copytree(Path(tmp) / "package" / "dist" / "govuk", TARGET / "dist")
        shutil.copytree(TARGET / "dist" / "assets", TARGET / "assets")
        shutil.copy(TARGET / "dist" / "govuk-frontend.min.js", TARGET / "govuk-frontend.min.js")


def build_css() -> None:
    if not SASS_BIN.exists():
        subprocess.run(  # noqa: S603
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--silent"],
            cwd=ROOT,
            check=True,
        )
    subprocess.run(  # noqa: S603
        [
            str(SASS_BIN),
            "--no-source-map",
            "--style=compressed",
            "--quiet-deps",
            f"--load-path={TARGET / 'dist'}",
            str(SCSS_SOURCE),
            str(TARGET / "cohort.css"),
        ],
        cwd=ROOT,
        check=True,
    )


def main() -> None:
    stamp = f"{GOVUK_FRONTEND_VERSION} {GOVUK_FRONTEND_INTEGRITY}"
    if not (STAMP.exists() and STAMP.read_text() == stamp):
        fetch_package()
        STAMP.write_text(stamp)
    css = TARGET / "cohort.css"
    # Any of the service's own SCSS files (cohort.scss and its partials) newer than the CSS.
    newest_source = max(path.stat().st_mtime for path in SCSS_SOURCE.parent.glob("*.scss"))
    if not css.exists() or css.stat().st_mtime < newest_source:
        build_css()
    print(f"GOV.UK Frontend {GOVUK_FRONTEND_VERSION} ready in {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
