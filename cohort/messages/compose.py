"""Turning a kind's template into a message: subject, plain text and HTML (docs/messages.md).

Each kind has one template, messages/email/<kind>.txt, with a `subject` and a `body` block,
written in GOV.UK Notify's plain style: short paragraphs, `* ` bullet lists, a bare link on a
line of its own as the one clear action. The HTML part is made from the same text (paragraphs,
lists, links), so the two never say different things; GOV.UK Notify gets the text as `body`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, render_template
from markupsafe import Markup, escape

_URL = re.compile(r"https?://[^\s<>\"]+")
# Constant markup; the address is escaped by Markup.format.
_STYLED_LINK = Markup('<a href="{0}" style="color:#1d70b8;">{0}</a>')
_PAGE_LINK = Markup('<a class="govuk-link" href="{0}">{0}</a>')


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def _render_block(template_name: str, block: str, context: dict) -> str:
    template = current_app.jinja_env.get_template(template_name)
    ctx = template.new_context({**current_app.jinja_env.globals, **context})
    return "".join(template.blocks[block](ctx))


def _tidy(text: str) -> str:
    # Template whitespace: no trailing spaces, at most one blank line between paragraphs.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def linked(line: str, *, style: bool = True) -> Markup:
    out, last = [], 0
    link = _STYLED_LINK if style else _PAGE_LINK
    for match in _URL.finditer(line):
        out.append(escape(line[last : match.start()]))
        url = match.group(0)
        out.append(link.format(url))
        last = match.end()
    out.append(escape(line[last:]))
    return Markup("").join(out)


def text_to_html(text: str) -> Markup:
    """Paragraphs, `* ` lists and links, as GOV.UK Notify formats a plain-text body."""
    parts: list[Markup] = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if lines and all(line.startswith("* ") for line in lines):
            items = Markup("").join(Markup("<li>{}</li>").format(linked(line[2:])) for line in lines)
            parts.append(Markup('<ul style="padding-left:20px;">{}</ul>').format(items))
        else:
            parts.append(Markup("<p>{}</p>").format(Markup("<br>").join(linked(line) for line in lines)))
    return Markup("\n").join(parts)


def compose(kind: str, context: dict, *, footer: str = "") -> Composed:
    name = f"messages/email/{kind}.txt"
    subject = " ".join(_render_block(name, "subject", context).split())
    text = _tidy(_render_block(name, "body", context))
    if footer:
        text = f"{text}\n\n{footer}"
    html = render_template("messages/email/layout.html", subject=subject, body=text_to_html(text))
    return Composed(subject=subject[:200], text=text, html=html)
