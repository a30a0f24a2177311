"""GET /help and a page per role. Help is plain text about the service, not data, so anyone
may read any role's page, signed in or not; /help sends a signed-in person to their own."""

from __future__ import annotations

from flask import current_app, redirect, render_template, url_for
from flask_login import current_user

from cohort.help import bp
from cohort.models import Role

# role -> (endpoint, page title)
PAGES = {
    Role.ADMIN: ("help.programme_managers", "Help for programme managers"),
    Role.FACILITATOR: ("help.facilitators", "Help for facilitators"),
    Role.PARTICIPANT: ("help.participants", "Help for participants"),
    Role.SPONSOR: ("help.sponsors", "Help for department sponsors"),
}


@bp.app_context_processor
def _help_contact():
    """The programme team's address, for the Help pages and empty states."""
    config = current_app.config
    return {"help_email": config.get("HELP_EMAIL") or config.get("EMAIL_REPLY_TO")}


def _page(role: Role | None):
    template = f"help/{role.value}.html" if role else "help/general.html"
    title = PAGES[role][1] if role else "Help"
    own = current_user.role if current_user.is_authenticated else None
    return render_template(
        template,
        title=title,
        pages=PAGES,
        role=role,
        own=PAGES.get(own) if own else None,  # the reader's own help page, if signed in
        linkable=own is not None and own == role,  # links only to pages the reader may open
    )


@bp.route("/help")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(PAGES[current_user.role][0]))
    return _page(None)


@bp.route("/help/programme-managers")
def programme_managers():
    return _page(Role.ADMIN)


@bp.route("/help/facilitators")
def facilitators():
    return _page(Role.FACILITATOR)


@bp.route("/help/participants")
def participants():
    return _page(Role.PARTICIPANT)


@bp.route("/help/sponsors")
def sponsors():
    return _page(Role.SPONSOR)
