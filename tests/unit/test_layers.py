"""The layers' one-way rule (docs/architecture.md §2) is checked by import-linter in `make lint`.

Its first contract lists the page modules (routes and forms) that services, queries, models,
jobs and the rules must never import. import-linter's wildcards replace whole module names
only, so a page module with another name (say `cohort/auth/passkey_routes.py`) must be listed
by hand: this test fails until it is, so the rule cannot silently stop covering a page.
"""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _contracts() -> list[dict]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def _page_modules() -> list[str]:
    modules = []
    for path in sorted((ROOT / "cohort").rglob("*.py")):
        if path.stem.endswith(("routes", "forms")):
            relative = path.relative_to(ROOT).with_suffix("")
            modules.append(".".join(relative.parts))
    return modules


def test_every_page_module_is_forbidden_to_the_layers_below():
    forbidden = _contracts()[0]["forbidden_modules"]
    # import-linter's "*" stands for exactly one module name, as fnmatch's does within a dot.
    uncovered = [
        module
        for module in _page_modules()
        if not any(
            fnmatch.fnmatchcase(module, pattern) and module.count(".") == pattern.count(".")
            for pattern in forbidden
        )
    ]
    assert len(_page_modules()) > 20  # the walk found the feature packages' pages
    assert uncovered == [], f"add these page modules to the first import-linter contract: {uncovered}"


def test_the_rules_may_not_import_flask_or_the_database():
    rules = next(
        c
        for c in _contracts()
        if "cohort.domain" in c["source_modules"] and "flask" in c["forbidden_modules"]
    )
    below = {"flask", "sqlalchemy", "cohort.models", "cohort.core", "cohort.*.service"}
    assert below <= set(rules["forbidden_modules"])
