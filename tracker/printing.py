"""PDFs from HTML with WeasyPrint, fetching nothing but the app's own static files and stored data.

Whatever a clause, a name or a logo says, the renderer never reads a local file, never calls a URL
and never attaches anything: the only resources it may load are files under the app's
static folder (addressed as /static/...), inline data: URIs, and the stored bytes the caller hands
over (an organisation's logo, addressed as /stored/<key>). An archival PDF (the MOU) is PDF/A-3a:
tagged, so a screen reader gets headings, tables and reading order, and declaring PDF/UA in its XMP
metadata. WeasyPrint makes no
thread-safety promise, so renders in one process take turns (a gunicorn worker renders one
PDF at a time; more workers render in parallel). WeasyPrint itself is imported by the first render
(tracker/weasy.py).
"""
import threading

from flask import Response, current_app, render_template
from flask_babel import gettext as _
from markupsafe import Markup

# Relative and /static/ URLs in PDF templates resolve against this made-up origin, then the fetcher
# maps it onto the static folder. `.invalid` can never be a real host (RFC 2606).
BASE_URL = "https://tracker.invalid/"
_render_lock = threading.Lock()


def stored_url(key: str) -> str:
    """Where a template points at stored bytes handed to render_pdf (`stored={key: (bytes, type)}`)."""
    return f"{BASE_URL}stored/{key}"


def render_pdf(html: str, archival: bool = False, stored: dict | None = None) -> bytes:
    """The PDF of `html`; `archival`: PDF/A-3a, tagged, declaring PDF/UA (the template must give a title
    and the html element a lang); `stored`: {key: (bytes, content type)} the template reaches at stored_url(key)."""
    from tracker import weasy  # WeasyPrint, loaded by the first PDF (tracker/weasy.py says why)

    fetcher = weasy.OwnDataFetcher(BASE_URL, current_app.static_folder, stored)
    with _render_lock:
        pdf = weasy.render(html, BASE_URL, fetcher, archival)
    if fetcher.refused:
        current_app.logger.warning("PDF render refused %d resource(s): %s", len(fetcher.refused), fetcher.refused[:5])
    return pdf


def page_numbers() -> Markup:
    """The footer's "Page 3 of 4" in the reader's language, as the CSS `content` of a PDF's page footer:
    "Página " counter(page) " de " counter(pages). PDF templates use it after linking print.css."""
    words = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00").split("\x00")
    parts = [f"counter({piece})" if odd else '"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"'
             for odd, piece in ((i % 2 == 1, p) for i, p in enumerate(words)) if piece]
    return Markup("<style>@page { @bottom-right { content: %s; } }</style>" % " ".join(parts))


def render_template_pdf(template_name: str, **context) -> bytes:
    return render_pdf(render_template(template_name, **context))


def pdf_response(data: bytes, filename: str, inline: bool = True) -> Response:
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{safe_filename(filename)}"'
    return response


def safe_filename(name: str) -> str:
    """A filename fit for a header: no quotes, slashes or control characters."""
    cleaned = "".join(c if c.isalnum() or c in " ._-()" else "-" for c in name).strip(" .")
    return cleaned or "download"
