"""PDFs from HTML with WeasyPrint, fetching nothing but the app's own static files.

Whatever a clause or a name says, the renderer never reads a local file, never calls a URL
and never attaches anything: the only resources it may load are files under the app's
static folder (addressed as /static/...) and inline data: URIs. WeasyPrint makes no
thread-safety promise, so renders in one process take turns (a gunicorn worker renders one
PDF at a time; more workers render in parallel).
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and /static/ URLs in PDF templates resolve against this made-up origin, then the fetcher
# maps it onto the static folder. `.invalid` can never be a real host (RFC 2606).
BASE_URL = "https://tracker.invalid/"
_render_lock = threading.Lock()


class StaticOnlyFetcher(URLFetcher):
    """Serves /static/ files from disk and data: URIs; refuses (and remembers) everything else."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)
        self.static_folder = Path(static_folder).resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory, no I/O
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.netloc == urlsplit(BASE_URL).netloc and parts.path.startswith("/static/"):
            path = (self.static_folder / unquote(parts.path[len("/static/"):])).resolve()
            if path.is_file() and path.is_relative_to(self.static_folder):
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"the PDF renderer fetches only the app's static files, not {url}")


def render_pdf(html: str) -> bytes:
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    with _render_lock:
        pdf = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    if fetcher.refused:
        current_app.logger.warning("PDF render refused %d resource(s): %s", len(fetcher.refused), fetcher.refused[:5])
    return pdf


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
