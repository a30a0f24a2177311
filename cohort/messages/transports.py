"""The three ways a message leaves: kept in the outbox, SMTP, or GOV.UK Notify (docs/messages.md).

Chosen by EMAIL_TRANSPORT. A transport either returns (the message is sent; Notify's id is
kept) or raises: `PermanentFailure` when trying again cannot help (the address or template is
refused), `TemporaryFailure` when it may (the server is down, Notify is busy).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from cohort.models import Message


class PermanentFailure(Exception):
    pass


class TemporaryFailure(Exception):
    pass


def send(message: Message) -> str | None:
    transport = current_app.config["EMAIL_TRANSPORT"]
    if transport == "smtp":
        return send_smtp(message)
    if transport == "notify":
        return send_notify(message)
    return None  # the outbox: the row is the message, shown under Admin → Outbox


# SMTP ----------------------------------------------------------------------------------------


def build_email(message: Message) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["EMAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=False)
    domain = parseaddr(config["EMAIL_FROM"])[1].rpartition("@")[2] or None
    email["Message-ID"] = make_msgid(idstring=f"m{message.id}", domain=domain)
    if config.get("EMAIL_REPLY_TO"):
        email["Reply-To"] = config["EMAIL_REPLY_TO"]
    unsubscribe = (message.personalisation or {}).get("unsubscribe_url")
    if unsubscribe:
        # RFC 8058 one-click unsubscribe: mail programs offer their own button for it.
        email["List-Unsubscribe"] = f"<{unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    if message.attachment_text is not None:
        maintype, _, subtype = (message.attachment_type or "text/plain").partition("/")
        email.add_attachment(
            message.attachment_text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype.split(";")[0] or "plain",
            filename=message.attachment_name or "attachment.txt",
        )
    return email


def send_smtp(message: Message) -> str | None:
    config = current_app.config
    email = build_email(message)
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
    try:
        if config["SMTP_SECURITY"] == "ssl":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if config["SMTP_SECURITY"] == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                server.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            server.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure("The mail server refused the address") from exc
    except smtplib.SMTPResponseException as exc:
        reason = f"The mail server answered {exc.smtp_code}"
        if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise PermanentFailure(reason) from exc
        raise TemporaryFailure(reason) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"Could not reach the mail server ({type(exc).__name__})") from exc
    return None


# GOV.UK Notify --------------------------------------------------------------------------------


def send_notify(message: Message) -> str | None:
    from notifications_python_client.errors import APIError, HTTPError
    from notifications_python_client.notifications import NotificationsAPIClient

    config = current_app.config
    client = NotificationsAPIClient(config["NOTIFY_API_KEY"], base_url=config["NOTIFY_BASE_URL"])
    try:
        response = client.send_email_notification(
            email_address=message.to_address,
            template_id=config["NOTIFY_TEMPLATE_IDS"][message.kind],
            personalisation=dict(message.personalisation or {}),
            reference=message.key,
        )
    except HTTPError as exc:
        status = exc.status_code
        reason = f"GOV.UK Notify answered {status}"
        if status in (400, 403):  # a bad template, personalisation or key: trying again cannot help
            raise PermanentFailure(reason) from exc
        raise TemporaryFailure(reason) from exc
    except APIError as exc:
        raise TemporaryFailure(f"GOV.UK Notify could not be reached ({type(exc).__name__})") from exc
    except OSError as exc:
        raise TemporaryFailure(f"GOV.UK Notify could not be reached ({type(exc).__name__})") from exc
    return str(response.get("id")) if isinstance(response, dict) and response.get("id") else None
