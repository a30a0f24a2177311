"""Smoke-test a running Cohort: ready, sign in, one page, sign out. Standard library only.

    python deploy/smoke_test.py --url https://cohort.example.gov.uk --email you@… [--password …]

The password is read from COHORT_SMOKE_PASSWORD when not given (so it stays out of shell
history). An account with a second factor needs its authenticator key too, from
COHORT_SMOKE_TOTP_KEY; a new account whose role requires one (CI's) sets one up on the way, as
a person would, reading the key from the set-up page (docs/sign-in.md, Second factor). Run after every deployment; CI runs it against gunicorn in production mode.
Cookies are handled here rather than by http.cookiejar, which would refuse to send the
service's Secure cookies back over plain http://127.0.0.1 in CI.

Exit status 0 when every step passed; 1 with the failing step named otherwise.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import struct
import sys
import time
from urllib.parse import urlencode, urlsplit


class SmokeFailed(RuntimeError):
    pass


class Browser:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.https = parts.scheme == "https"
        self.host = parts.netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        connection_class = http.client.HTTPSConnection if self.https else http.client.HTTPConnection
        connection = connection_class(self.host, timeout=30)
        headers = {"User-Agent": "cohort-smoke-test"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if cookie_value and "expires=thu, 01 jan 1970" not in value.lower():
                    self.cookies[cookie_name] = cookie_value
                else:
                    self.cookies.pop(cookie_name, None)
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not found:
        raise SmokeFailed("no CSRF token on the page")
    return found.group(1)


def totp(key: str, at: float | None = None) -> str:
    """The current 6-digit code for a base32 key (RFC 6238: HMAC-SHA1, 30-second steps)."""
    key = re.sub(r"[\s-]", "", key).upper()
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    step = int((time.time() if at is None else at) // 30)
    digest = hmac.new(secret, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def _second_factor(browser: Browser, location: str, totp_key: str | None) -> str:
    """Finish signing in after the password: a code, or setting a factor up first."""
    path = urlsplit(location).path
    status, _, page = browser.request("GET", path)
    if status != 200:
        raise SmokeFailed(f"the second-factor page {path} answered {status}")
    if "/set-up" in path:
        found = re.search(r"<code>([A-Z2-7 ]{16,})</code>", page)
        if not found:
            raise SmokeFailed("the second-factor set-up page shows no key")
        totp_key = found.group(1)
    elif not totp_key:
        raise SmokeFailed("the account has a second factor: give its key in COHORT_SMOKE_TOTP_KEY")
    status, headers, _ = browser.request("POST", path, {"csrf_token": _csrf(page), "code": totp(totp_key)})
    if status not in (200, 302):
        raise SmokeFailed(f"the second-factor code was refused ({status})")
    return "second factor set up" if "/set-up" in path else "second factor accepted"


def run(base_url: str, email: str, password: str, totp_key: str | None = None) -> list[str]:
    browser = Browser(base_url)
    done = []

    status, _, body = browser.request("GET", "/readyz")
    if status != 200:
        raise SmokeFailed(f"/readyz answered {status}: {body[:300]}")
    done.append(f"ready: {json.loads(body).get('status')}")

    status, _, page = browser.request("GET", "/sign-in")
    if status != 200:
        raise SmokeFailed(f"the sign-in page answered {status}")
    status, headers, _ = browser.request(
        "POST", "/sign-in", {"csrf_token": _csrf(page), "email": email, "password": password}
    )
    if status != 302:
        raise SmokeFailed(f"signing in answered {status}, not a redirect (wrong email or password?)")
    location = headers.get("location", "")
    if "/second-factor/" in location or "/sign-in/code" in location:
        done.append(_second_factor(browser, location, totp_key))
    done.append(f"signed in as {email}")

    status, _, page = browser.request("GET", "/dashboard")
    if status != 200 or "Sign out" not in page:
        raise SmokeFailed(f"the dashboard answered {status} without a sign-out button")
    done.append("dashboard shown")

    status, headers, _ = browser.request("POST", "/sign-out", {"csrf_token": _csrf(page)})
    if status != 302:
        raise SmokeFailed(f"signing out answered {status}")
    status, headers, _ = browser.request("GET", "/dashboard")
    if status != 302 or "/sign-in" not in headers.get("location", ""):
        raise SmokeFailed(f"after signing out the dashboard answered {status}, not a redirect to sign in")
    done.append("signed out")
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the service's address, e.g. http://127.0.0.1:8000")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", default=os.environ.get("COHORT_SMOKE_PASSWORD"))
    args = parser.parse_args(argv)
    if not args.password:
        parser.error("give --password or set COHORT_SMOKE_PASSWORD")
    try:
        totp_key = os.environ.get("COHORT_SMOKE_TOTP_KEY")
        for line in run(args.url.rstrip("/"), args.email, args.password, totp_key):
            print(f"ok: {line}")
    except (SmokeFailed, OSError, ValueError) as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print("Smoke test passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
