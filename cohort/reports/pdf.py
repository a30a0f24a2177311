"""PDFs printed by WeasyPrint from an HTML template that extends reports/print.html.

The print templates carry their own small stylesheet (GOV.UK Frontend's screen CSS is not
meant for paper) and embed images as data: URIs, so nothing is fetched while printing.
"""

from __future__ import annotations

from flask import render_template


def html_to_pdf(html: str) -> bytes:
    # WeasyPrint is imported here, where a PDF is built, not when the app starts
    # (docs/architecture.md §10): it costs about 0.6 s in every process that never prints.
    from weasyprint import HTML

    # No base URL: a print template must not reach outside itself (no network, no files).
    return HTML(string=html, base_url=None).write_pdf()


def render_pdf(template: str, **context) -> bytes:
    return html_to_pdf(render_template(template, **context))
