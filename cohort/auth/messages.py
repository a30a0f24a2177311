"""Invitations and password-reset e-mails (docs/messages.md, Invitations and forgotten passwords).

Both carry a single-use link to the set-password page, so both are queued with
`holds_secret=True`: once a real transport has sent one, the copy kept in the outbox loses its
body. Each function adds to the caller's transaction, so the account, its enrolment and the
message about them are saved together or not at all; only the bulk send commits, person by person.

Exactly once comes from the message keys:
- `invitation:user:<id>:first` for the invitation sent automatically (inviting someone, enrolling
  a new person) or in bulk after an import; however often the button is pressed, or by however
  many people at once, each person gets it once;
- `invitation:user:<id>:resend-<nonce>` for "Send a new invitation": the nonce is drawn when the
  user page is shown, so a double click sends one message and the next visit can send another;
- `password_reset:user:<id>:<n>`, where n counts the reset links the person was sent before: two
  requests at the same moment both read the same n and only one message is kept.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, exists, func, select

from cohort.auth.tokens import make_password_token, make_reset_token
from cohort.core import audit
from cohort.extensions import db
from cohort.messages.links import service_url
from cohort.messages.outbox import queue_message
from cohort.models import Cohort, Enrolment, EnrolmentStatus, Message, Role, User

log = logging.getLogger("cohort.accounts")

FIRST = "first"
RESEND_NONCE = re.compile(r"^[0-9a-f]{16}$")


def about(user: User) -> str:
    return f"user:{user.id}"


def queue_invitation(
    user: User, occasion: str = FIRST, actor: User | None = None, cohort: Cohort | None = None
) -> Message | None:
    """Queue an invitation with a fresh password-setting link; None when it is not sent (already
    sent under this key, or the account is deactivated). Audited when sent; never commits."""
    link = service_url("auth.set_password", token=make_password_token(user))
    message = queue_message(
        "invitation",
        user,
        about=about(user),
        occasion=occasion,
        context={
            "link": link,
            "hours": str(current_app.config["PASSWORD_LINK_HOURS"]),
            "cohort_name": cohort.name if cohort is not None else "",
        },
        holds_secret=True,
    )
    if message is not None:
        audit.record(actor, "invitation", user, f"Sent an invitation to set a password to {user.full_name}")
        # The link is a live credential: the log names the person by id, never the link.
        log.info("invitation queued for user %s (message %s)", user.id, message.id)
    return message


def _not_signed_in_yet(cohort: Cohort) -> ColumnElement[bool]:
    invited = exists().where(Message.recipient_id == User.id, Message.kind == "invitation")
    return and_(
        Enrolment.cohort_id == cohort.id,
        Enrolment.status == EnrolmentStatus.ACTIVE,  # not someone withdrawn or moved on
        User.role == Role.PARTICIPANT,
        User.is_active_account.is_(True),
        User.password_hash.is_(None),
        ~invited,
    )


def people_to_invite(cohort: Cohort) -> list[User]:
    """The cohort's participants with no password set and no invitation sent yet, by id (the
    order two people pressing the button at once both queue in, so neither waits on the other
    in a circle)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Enrolment, Enrolment.user_id == User.id)
            .where(_not_signed_in_yet(cohort))
            .order_by(User.id)
        )
    )


def send_invitations_for_cohort(cohort: Cohort, actor: User | None = None) -> int:
    """Invite everyone in the cohort who has not signed in and has no invitation yet; how many
    were sent. Commits once per person: each invitation stands alone with its audit event, and
    a cohort's worth never holds the database's write lock together."""
    sent = 0
    for user_id in [u.id for u in people_to_invite(cohort)]:
        user = db.session.get(User, user_id)
        if user is not None and queue_invitation(user, FIRST, actor, cohort) is not None:
            sent += 1
        db.session.commit()
    return sent


def latest_invitations(user_ids: list[int]) -> dict[int, Message]:
    """Each person's most recent invitation, in one query (the user list shows a page of them)."""
    if not user_ids:
        return {}
    newest = (
        select(Message.recipient_id, func.max(Message.id).label("id"))
        .where(Message.kind == "invitation", Message.recipient_id.in_(user_ids))
        .group_by(Message.recipient_id)
        .subquery()
    )
    messages = db.session.scalars(select(Message).join(newest, Message.id == newest.c.id))
    return {m.recipient_id: m for m in messages if m.recipient_id is not None}


# Forgotten passwords ---------------------------------------------------------------------------


def resets_sent(user: User, since: datetime | None = None) -> int:
    query = select(func.count(Message.id)).where(
        Message.kind == "password_reset", Message.recipient_id == user.id
    )
    if since is not None:
        query = query.where(Message.created_at >= since)
    return db.session.scalar(query) or 0


def queue_password_reset(user: User, now: datetime) -> Message | None:
    """Queue a reset link unless the person has had RESETS_PER_HOUR in the last hour (counted from
    the messages table, so every web worker agrees); None when nothing is queued. Never commits."""
    if resets_sent(user, now - timedelta(hours=1)) >= current_app.config["PASSWORD_RESETS_PER_HOUR"]:
        return None
    sent_before = resets_sent(user)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    return queue_message(
        "password_reset",
        user,
        about=about(user),
        occasion=str(sent_before + 1),
        context={
            "link": service_url("auth.set_password", token=make_reset_token(user)),
            "minutes": str(minutes),
        },
        holds_secret=True,
    )
