"""Settings for single sign-on (docs/sign-in.md, Single sign-on)."""

from __future__ import annotations


def oidc_settings(production: bool) -> dict:
    return {}
