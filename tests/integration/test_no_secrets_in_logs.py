"""No secret reaches a log line (docs/operations.md, Secrets).

One run through everything that handles a secret — inviting someone, importing nominations and
sending the invitations, sending a new one, asking for a reset link, setting a password through
a link, signing in wrong then right, changing
the password, signing out — with a handler of our own on the root logger taking every record
at every level (what LOG_LEVEL=DEBUG would write), and the service's own output on standard
error. Neither may hold a password, a password link or its token, or a session cookie.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from cohort.auth import second_factor
from cohort.extensions import db
from cohort.logs import redact
from cohort.models import User
from tests.factories import PASSWORD
from tests.mail import link_in, outbox

LINK = re.compile(r"https?://[^/\s\"<]+/set-password/([^\s\"<&]+)")
INVITED_EMAIL = "noor.haddad@justice.gov.uk"
NOMINATED_EMAIL = "sean.oconnor@justice.gov.uk"
WRONG_PASSWORD = "not my password at all"
FIRST_PASSWORD = "violet kettle under the stairs"
SECOND_PASSWORD = "seven quiet herons at dawn"


class EverythingHandler(logging.Handler):
    """Each record as a handler would write it, with every attribute it carries."""

    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record):
        self.lines.append(self.format(record) + " " + repr(vars(record)))


@pytest.fixture
def every_record():
    root = logging.getLogger()
    handler = EverythingHandler()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _links(page: str) -> list[str]:
    return [match.group(0) for match in LINK.finditer(page)]


def _sent_links(to: str | None = None) -> list[str]:
    """Every password link in the messages queued so far (to one address, or anyone)."""
    return [link_in(m, "/set-password/") for m in outbox(to=to) if "/set-password/" in m.body_text]


def _cookie(client) -> str:
    cookie = client.get_cookie("cohort_session")
    return cookie.value if cookie else ""


def test_nothing_secret_is_logged_from_invitation_to_sign_out(
    app, client, world, every_record, capsys, tmp_path
):
    app.config["IMPORT_UPLOAD_FOLDER"] = str(tmp_path / "imports")
    app.config["FORGOTTEN_PASSWORD_MIN_SECONDS"] = 0
    secrets_seen: set[str] = {PASSWORD, WRONG_PASSWORD, FIRST_PASSWORD, SECOND_PASSWORD}

    # The programme manager signs in through the form, and sets up the second factor their role
    # needs: the key, the first code and the recovery codes are secrets too.
    assert client.post("/sign-in", data={"email": world.admin.email, "password": PASSWORD}).status_code == 302
    setup = client.get("/account/second-factor/set-up").text
    key = re.search(r"<code>([A-Z2-7 ]+)</code>", setup).group(1).replace(" ", "")
    code = second_factor.code_at(key, second_factor.current_step())
    done = client.post("/account/second-factor/set-up", data={"code": code})
    assert done.status_code == 200
    recovery_codes = re.findall(r"<code>([a-z0-9-]{14})</code>", done.text)
    assert len(recovery_codes) == 10
    secrets_seen.update({key, code, *recovery_codes})
    secrets_seen.add(_cookie(client))

    # Invites someone: their invitation is e-mailed (kept whole in the outbox, the worst case).
    invited = client.post(
        "/admin/users/invite",
        data={
            "full_name": "Noor Haddad",
            "email": INVITED_EMAIL,
            "role": "participant",
            "department": str(world.moj.id),
            "job_title": "",
        },
        follow_redirects=True,
    )
    assert invited.status_code == 200
    assert not _links(invited.text), "the link is e-mailed, not shown"
    secrets_seen.update(_sent_links())

    # Imports nominations: a new participant, whose link is made too.
    rows = "Email address,Given name,Surname,Organisation,Job title,Grade\n"
    rows += f"{NOMINATED_EMAIL},Seán,O'Connor,MOJ,Data scientist,SEO\n"
    boundary, body = encode_multipart(
        MultiDict({"file": FileStorage(io.BytesIO(rows.encode()), filename="nominations.csv")})
    )
    preview = client.post(
        f"/cohorts/{world.cohort.slug}/import",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=True,
    )
    assert preview.status_code == 200, preview.text
    hidden = {
        name: re.search(rf'name="{name}" type="hidden" value="([^"]*)"', preview.text).group(1)
        for name in ("upload", "expected")
    }
    confirmed = client.post(
        f"/cohorts/{world.cohort.slug}/import/confirm", data=hidden, follow_redirects=True
    )
    assert confirmed.status_code == 200
    assert db.session.scalar(select(User).where(User.email == NOMINATED_EMAIL)) is not None
    # Sends the new participant their invitation from the import's result page.
    sent = client.post(f"/cohorts/{world.cohort.slug}/invitations", data={}, follow_redirects=True)
    assert "1 invitation to set a password has been emailed" in sent.text
    secrets_seen.update(_sent_links())

    # Sends a new invitation to the invited person.
    noor = db.session.scalar(select(User).where(User.email == INVITED_EMAIL))
    again = client.post(
        f"/admin/users/{noor.id}/invitation", data={"occasion": "0123456789abcdef"}, follow_redirects=True
    )
    assert again.status_code == 200
    fresh = _sent_links(INVITED_EMAIL)[-1:]
    assert fresh
    secrets_seen.update(_sent_links())
    secrets_seen.add(_cookie(client))
    client.post("/sign-out", data={})

    # The nominated person forgets theirs before using it, and asks for a reset link.
    forgot = client.post("/forgotten-password", data={"email": NOMINATED_EMAIL})
    assert "Check your email" in forgot.text
    secrets_seen.update(_sent_links())
    assert outbox("password_reset")

    # Noor sets a password through the link.
    path = fresh[0].split("://", 1)[1].split("/", 1)[1]
    token = path.rsplit("/", 1)[1]
    secrets_seen.add(token)
    assert client.get(f"/{path}").status_code == 200
    done = client.post(f"/{path}", data={"password": FIRST_PASSWORD, "confirm": FIRST_PASSWORD})
    assert done.status_code == 302

    # Signs in with a wrong password, with the password typed in the email box, then right.
    assert (
        client.post("/sign-in", data={"email": INVITED_EMAIL, "password": WRONG_PASSWORD}).status_code == 400
    )
    assert client.post("/sign-in", data={"email": FIRST_PASSWORD, "password": "x"}).status_code == 400
    assert (
        client.post("/sign-in", data={"email": INVITED_EMAIL, "password": FIRST_PASSWORD}).status_code == 302
    )
    secrets_seen.add(_cookie(client))

    # Changes the password, then signs out.
    changed = client.post(
        "/account/password",
        data={"current_password": FIRST_PASSWORD, "password": SECOND_PASSWORD, "confirm": SECOND_PASSWORD},
    )
    assert changed.status_code == 302
    secrets_seen.add(_cookie(client))
    with client.session_transaction() as session:
        secrets_seen.add(session["_user_id"])  # the session's token, which the cookie carries signed
    assert client.post("/sign-out", data={}).status_code == 302

    secrets_seen.discard("")
    logged = "\n".join(every_record.lines)
    written = capsys.readouterr().err  # what the service's own handler wrote
    # The capture worked: the run's events are there.
    assert "sign-in failed for" in logged and "sign-in succeeded for" in logged
    assert "POST /set-password/<token> 302" in logged
    assert "reset e-mail queued for user" in logged and "invitation queued for user" in logged
    assert "POST /sign-in 302" in written
    for secret in sorted(secrets_seen):
        assert secret not in logged, f"a secret reached a log record: {secret[:12]}…"
        assert secret not in written, f"a secret reached standard error: {secret[:12]}…"


@pytest.mark.parametrize(
    ("line", "kept", "secret"),
    [
        (
            "password link: http://localhost/set-password/IjEi.Zx1.abc-DEF_123",
            "/set-password/[redacted]",
            "IjEi",
        ),
        ("GET /calendar/Xy9_abcdefghijklmnop.ics", "/calendar/[redacted].ics", "Xy9_abc"),
        ("GET /calendar/<token>.ics 404", "/calendar/<token>.ics", None),  # a route, kept
        ("next=/x&token=s3cr3t-value&page=2", "token=[redacted]&page=2", "s3cr3t-value"),
        ("form {'email': 'a@b', 'password': 'hunter2 hunter2'}", "'password': '[redacted]'", "hunter2"),
        ('{"new_password": "hunter2"}', '"new_password": "[redacted]"', "hunter2"),
        ("password=hunter2 user=5", "password=[redacted] user=5", "hunter2"),
        ("Authorization: Bearer abc.def.ghi", "Authorization: Bearer [redacted]", "abc.def"),
        ("Cookie: cohort_session=eyJfdXNlcl9pZCI6; other=1", "Cookie: [redacted]", "eyJfdX"),
        ("set cohort_session=eyJfdXNlcl9pZCI6.Zx; Path=/", "cohort_session=[redacted]", "eyJfdX"),
        ("postgresql+psycopg://cohort:s3cret@db:5432/cohort", "cohort:[redacted]@db", "s3cret"),
        ("GET /cohorts/<slug> 200 12.5 ms user 4", "GET /cohorts/<slug> 200 12.5 ms user 4", None),
    ],
)
def test_anything_looking_like_a_secret_is_redacted(line, kept, secret):
    cleaned = redact(line)
    assert kept in cleaned
    if secret:
        assert secret not in cleaned


def test_a_secret_logged_by_mistake_is_redacted_for_every_handler(every_record):
    logging.getLogger("cohort.test").warning("made http://x/set-password/%s for %s", "Tok3n.abc.def", "5")
    try:
        raise ValueError("bad password='hunter2 again'")
    except ValueError:
        logging.getLogger("cohort.test").exception("failed")
    logged = "\n".join(every_record.lines)
    assert "/set-password/[redacted] for 5" in logged
    assert "Tok3n" not in logged and "hunter2" not in logged
    assert "ValueError" in logged  # the traceback is still there, cleaned
