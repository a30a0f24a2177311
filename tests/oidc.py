"""A real OpenID Connect provider for the tests: oidc-provider-mock, served on 127.0.0.1 in a
thread (docs/sign-in.md, Single sign-on).

`MockProvider.sign_in(client, key, sub, claims)` drives the whole flow: the app's start page
sends the browser to the provider, the provider's authorization form is submitted (with the
claims the test wants) over real HTTP, and its answer is taken back to the app's callback.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import flask
import httpx
import werkzeug.serving

with warnings.catch_warnings():
    # The mock provider (a test tool, not the service) imports two parts of Authlib that warn
    # they are deprecated when imported (authlib.jose, and Authlib's httpx client); Cohort's own
    # code uses neither. Only while it is imported, and only these two messages.
    warnings.filterwarnings("ignore", "authlib.jose module is deprecated", DeprecationWarning)
    warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
    import oidc_provider_mock
    from oidc_provider_mock import _app as mock_app

from cohort.auth.oidc_settings import Provider


def _id_token_settings() -> None:
    """oidc-provider-mock 0.3.4 signs ID tokens through Authlib's get_jwt_config, which Authlib
    1.9 warns is deprecated (and the suite makes warnings errors, in the provider's thread as
    well). Give its OpenIDCode the methods that replace it. The provider app's config may name a
    wrong audience or issuer (COHORT_TEST_AUDIENCE, COHORT_TEST_ISSUER), for the tests that need
    a provider answering for someone else."""
    code = mock_app.OpenIDCode

    def claims(self, client):
        config = flask.current_app.config
        return {
            "iss": config.get("COHORT_TEST_ISSUER") or flask.request.host_url.rstrip("/"),
            "aud": [config.get("COHORT_TEST_AUDIENCE") or client.get_client_id()],
            "exp": int(time.time()) + int(self._token_max_mage.total_seconds()),
        }

    code.resolve_client_private_key = lambda self, client: mock_app.storage.jwk.as_dict(is_private=True)
    code.get_client_algorithm = lambda self, client: "RS256"
    code.get_encode_header = lambda self, client: {"alg": "RS256"}
    code.get_client_claims = claims


_id_token_settings()

CLIENT_ID = "cohort-test-client"
CLIENT_SECRET = "cohort-test-secret"  # noqa: S105 - the mock accepts any secret


def provider_settings(
    url: str,
    key: str = "moj",
    name: str = "Ministry of Justice account",
    domains: tuple[str, ...] = ("justice.gov.uk",),
    create: dict[str, str | None] | None = None,
) -> Provider:
    return Provider(
        key=key,
        name=name,
        discovery_url=f"{url}/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes="openid email profile",
        email_domains=frozenset(domains),
        create_participants=create or {},
    )


@dataclass
class MockProvider:
    url: str  # http://127.0.0.1:<port>, also its issuer

    @property
    def issuer(self) -> str:
        return self.url

    def settings(self, **kwargs) -> Provider:
        return provider_settings(self.url, **kwargs)

    def set_user(self, sub: str, claims: dict) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=5)
        assert response.status_code == 204, response.text

    def authorize(self, location: str, sub: str, claims: dict | None = None) -> str:
        """Submit the provider's authorization form as `sub`; the address it sends the browser back to."""
        assert location.startswith(self.url + "/oauth2/authorize?"), location
        if claims is not None:
            self.set_user(sub, claims)
        form = httpx.get(location, timeout=5)
        assert form.status_code == 200 and "Authorize" in form.text, form.text
        answer = httpx.post(location, data={"sub": sub}, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def deny(self, location: str) -> str:
        answer = httpx.post(location, data={"action": "deny"}, timeout=5)
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]


def local_path(url: str) -> str:
    """The path and query of an address of the app, for the Flask test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start(client, key: str = "moj", path: str | None = None) -> str:
    """Choose 'Sign in with …': the provider's address the app sends the browser to."""
    response = client.get(path or f"/sign-in/{key}")
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def sign_in(client, provider: MockProvider, sub: str, claims: dict | None = None, key: str = "moj"):
    """The two clicks: 'Sign in with …' on Cohort, then 'Authorize' at the provider. The app's
    answer to the callback."""
    back = provider.authorize(start(client, key), sub, claims)
    return client.get(local_path(back))


@contextmanager
def running_provider(**options) -> Iterator[MockProvider]:
    """oidc-provider-mock on a free port of 127.0.0.1 until the block ends. `options` go to
    oidc_provider_mock.app (for example access_token_max_age, for tokens that have expired)."""
    options.setdefault("require_nonce", True)
    app = oidc_provider_mock.app(**{k: v for k, v in options.items() if not k.startswith("COHORT_")})
    app.config.update({k: v for k, v in options.items() if k.startswith("COHORT_")})
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield MockProvider(url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)


def expired_provider():
    """A provider whose ID tokens expired an hour before they are issued."""
    return running_provider(access_token_max_age=timedelta(hours=-1))
