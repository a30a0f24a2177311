"""The JSON API under /api/v1 and the pages for personal access tokens (docs/api.md)."""

from __future__ import annotations

from flask import Flask


def init_api(app: Flask) -> None:
    from cohort.api.token_pages import bp as token_pages_bp

    app.register_blueprint(token_pages_bp)  # full paths: /account/api-tokens…, /admin/users/<id>/api-tokens/…
