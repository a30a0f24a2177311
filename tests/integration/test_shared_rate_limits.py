"""Rate limits hold across workers when they are counted in Redis (docs/production.md).

Two app instances stand for two gunicorn workers (or two hosts): each has its own memory,
so only a shared store makes "30 sign-in attempts a minute from one address" mean 30, not
30 per worker. Redis runs on 127.0.0.1:6379 on the project's machines and in CI.
"""

from __future__ import annotations

import socket
import uuid

import pytest
import redis

from cohort import create_app
from cohort.extensions import db

SIGN_IN_LIMIT = 30  # per minute per address, on POST /sign-in


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _worker(database_url: str, storage: str, prefix: str):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage,
            "RATELIMIT_KEY_PREFIX": prefix,
        }
    )
    return app


def _attempts(app, count: int) -> list[int]:
    client = app.test_client()
    codes = []
    for _ in range(count):
        # A new address each time: ten failures for one address lock it (a 429 of its own).
        email = f"nobody.{uuid.uuid4().hex[:12]}@example.gov.uk"
        response = client.post("/sign-in", data={"email": email, "password": "wrong"})
        codes.append(response.status_code)
    return codes


def _dispose(*apps) -> None:
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.skipif(not _redis_answers(), reason="Redis is not running on 127.0.0.1:6379")
def test_two_workers_share_one_count_in_redis(database_url):
    prefix = f"cohort-test-{uuid.uuid4().hex}"
    storage = "redis://127.0.0.1:6379/15"
    first, second = _worker(database_url, storage, prefix), _worker(database_url, storage, prefix)
    try:
        codes = _attempts(first, SIGN_IN_LIMIT // 2) + _attempts(second, SIGN_IN_LIMIT // 2)
        assert 429 not in codes  # 30 attempts in all: within the limit
        assert _attempts(second, 1) == [429]  # the 31st is refused, whichever worker gets it
        assert _attempts(first, 1) == [429]
        # The count lives in Redis, where every worker process and host reads it, not in the
        # memory of this process (where two apps in one test would share it anyway).
        stored = redis.Redis.from_url(storage).keys(f"*{prefix}*")
        assert stored, "no rate-limit counter in Redis"
    finally:
        _dispose(first, second)
