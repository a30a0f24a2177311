"""Queueing a message: compose it, keep it once under its key, deliver it after the commit.

`queue_message` is the one way any feature sends e-mail (docs/messages.md). It adds the
message to the caller's transaction, so a change and the message about it are saved together
or not at all; after the commit a delivery job is queued for it. Its key (kind, object,
recipient, occasion) is unique in the table, so the same message is never queued twice,
whether the same request is repeated, two people do the same thing at once, or a timed job
runs again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cohort.extensions import db
from cohort.jobs import after_commit
from cohort.logs import current_request_id
from cohort.messages.compose import compose
from cohort.messages.delivery import deliver_message
from cohort.messages.kinds import KINDS
from cohort.messages.links import unsubscribe_url
from cohort.models import EmailPreference, Message, User

log = logging.getLogger("cohort.messages")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    text: str


def message_key(kind: str, about: str, recipient: User, occasion: str = "") -> str:
    return f"{kind}:{about}:{recipient.id}:{occasion}"[:200]


def wants(user: User, kind: str) -> bool:
    """Whether the person gets this kind: always for the ones that are not optional."""
    if not KINDS[kind].optional:
        return True
    subscribed = db.session.scalar(
        select(EmailPreference.subscribed).where(
            EmailPreference.user_id == user.id, EmailPreference.kind == kind
        )
    )
    return subscribed is not False


def _footer(kind: str, unsubscribe: str | None) -> str:
    if unsubscribe is None:
        return ""
    return (
        f"You get these e-mails because of your place on the programme. "
        f"To stop e-mails about “{KINDS[kind].label.lower()}”, use this link:\n{unsubscribe}"
    )


def queue_message(
    kind: str,
    recipient: User,
    *,
    about: str,
    context: dict,
    occasion: str = "",
    attachment: Attachment | None = None,
    holds_secret: bool = False,
) -> Message | None:
    """Add the message to the current transaction, or None when it is not to be sent: already
    queued under this key, the person's account is closed, or they turned this kind off."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of message {kind!r}")
    if not recipient.is_active_account or not wants(recipient, kind):
        return None
    key = message_key(kind, about, recipient, occasion)
    if db.session.scalar(select(Message.id).where(Message.key == key)) is not None:
        return None
    context = {"recipient": recipient, "name": recipient.full_name, **context}
    unsubscribe = unsubscribe_url(recipient.id, kind) if KINDS[kind].optional else None
    composed = compose(kind, context, footer=_footer(kind, unsubscribe))
    personalisation = {
        "name": recipient.full_name,
        **({"unsubscribe_url": unsubscribe} if unsubscribe else {}),
        "subject": composed.subject,
        "body": composed.text,
        **{k: v for k, v in context.items() if isinstance(v, str) and k != "name"},
    }
    message = Message(
        key=key,
        kind=kind,
        recipient_id=recipient.id,
        to_address=recipient.email,
        subject=composed.subject,
        body_text=composed.text,
        body_html=composed.html,
        personalisation=personalisation,
        attachment_name=attachment.filename if attachment else None,
        attachment_type=attachment.content_type if attachment else None,
        attachment_text=attachment.text if attachment else None,
        holds_secret=holds_secret,
        request_id=current_request_id(),
    )
    try:
        with db.session.begin_nested():  # two requests queueing the same key at once
            db.session.add(message)
    except IntegrityError:
        return None
    # If the queue cannot be reached after the commit, the sweep delivers it within minutes.
    after_commit(deliver_message, message.id)
    return message
