"""E-mail: what Cohort tells people, and how it reaches them (docs/messages.md).

Features call `queue_message` (cohort.messages.outbox); the pages here are Admin → Outbox,
Admin → Jobs, Your account → E-mail, and the one-click unsubscribe link.
"""

from flask import Blueprint

bp = Blueprint("messages", __name__, template_folder="templates")


from cohort.messages import routes  # noqa: E402,F401
