"""Links in e-mails: absolute, built from SERVICE_URL, because a job has no request to copy a
host from; and the signed one-click unsubscribe link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

_UNSUBSCRIBE_SALT = "cohort.unsubscribe"


def service_url(endpoint: str, **values) -> str:
    """The full address of a page, as the person will open it from their inbox."""
    base = urlsplit(current_app.config["SERVICE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return str(_unsubscribe_serializer().dumps({"u": user_id, "k": kind}))


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a link we made, or None for anything else."""
    try:
        data = _unsubscribe_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]


def unsubscribe_url(user_id: int, kind: str) -> str:
    return service_url("messages.unsubscribe", token=unsubscribe_token(user_id, kind))
