"""gunicorn settings for Cohort in production: `gunicorn -c deploy/gunicorn.conf.py cohort.wsgi:app`.

Every value can be overridden from the environment file (deploy/cohort.env.example) without
editing this file. See docs/production.md for the reasoning behind each choice.
"""

from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("COHORT_BIND", "127.0.0.1:8000")

# Sync workers: every request is short except PDF reports (a few seconds at programme scale),
# and a sync worker per core-and-a-bit keeps memory predictable. Redis holds the rate-limit
# counts (RATELIMIT_STORAGE_URI), so any number of workers and hosts share them.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # the largest department PDF takes ~4 s
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak in a library cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200

# Behind a reverse proxy (nginx, a load balancer) on another address, list it here so
# gunicorn trusts its X-Forwarded-* headers; the app's own TRUSTED_PROXY_COUNT does the rest.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# No gunicorn access log: it would write each request's raw address, and some addresses carry
# a secret (password-setting links, calendar feed tokens). The app logs one JSON line per
# request itself (logger cohort.requests: request id, route pattern, status, duration, user id),
# which is the access log; see docs/operations.md.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    # The app configures the root logger itself (cohort/logs.py); gunicorn leaves it alone.
    "root": {"level": loglevel.upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"handlers": ["stderr"], "level": loglevel.upper(), "propagate": False},
    },
}
