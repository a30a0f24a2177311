"""E-mail: what Cohort tells people, and how it reaches them (docs/messages.md).

Features call `queue_message` (cohort.messages.outbox); the pages here are Admin → Outbox,
Admin → Jobs, Your account → E-mail, and the one-click unsubscribe link.
"""

from flask import Blueprint

bp = Blueprint("messages", __name__, template_folder="templates")


@bp.app_template_filter("link_urls")
def link_urls(line: str):
    """A line of a message's text with its addresses as links, for the outbox pages."""
    from cohort.messages.compose import linked

    return linked(line, style=False)


from cohort.messages import routes  # noqa: E402,F401
