"""PDFs from HTML with WeasyPrint, fetching nothing but the app's own static files and stored data.

Whatever a clause, a name or a logo says, the renderer never reads a local file, never calls a URL
and never attaches anything: the only resources it may load are files under the app's
static folder (addressed as /static/...), inline data: URIs, and the stored bytes the caller hands
over (an organisation's logo, addressed as /stored/<key>). An archival PDF (the MOU) is PDF/A-3a:
tagged, so a screen reader gets headings, tables and reading order, and declaring PDF/UA in its XMP
metadata. WeasyPrint makes no
thread-safety promise, so renders in one process take turns (a gunicorn worker renders one
PDF at a time; more workers render in parallel).
"""
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, render_template
from weasyprint import HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative and /static/ URLs in PDF templates resolve against this made-up origin, then the fetcher
# maps it onto the static folder. `.invalid` can never be a real host (RFC 2606).
BASE_URL = "https://tracker.invalid/"
_render_lock = threading.Lock()
ARCHIVAL = "pdf/a-3a"  # PDF 1.7, tagged structure, embedded fonts and an sRGB output intent
# PDF/UA-1 declared in the XMP metadata, with the extension schema PDF/A asks for any schema it does not predefine.
PDF_UA = b"""<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1"/>
"""


class ArchivalMetadata(DocumentMetadata):
    """WeasyPrint's XMP metadata with the PDF/UA declaration inside its one rdf:RDF."""

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = super().generate_rdf_metadata(variant, version, conformance)
        return rdf.replace(b"</rdf:RDF>", PDF_UA + b"</rdf:RDF>")


def stored_url(key: str) -> str:
    """Where a template points at stored bytes handed to render_pdf (`stored={key: (bytes, type)}`)."""
    return f"{BASE_URL}stored/{key}"


class OwnDataFetcher(URLFetcher):
    """Serves /static/ files from disk, data: URIs and the stored bytes it was given; refuses (and remembers)
    everything else."""

    def __init__(self, static_folder: str, stored: dict | None = None):
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)
        self.static_folder = Path(static_folder).resolve()
        self.stored = stored or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory, no I/O
        parts = urlsplit(url)
        ours = parts.scheme == "https" and parts.netloc == urlsplit(BASE_URL).netloc and not parts.query
        if ours and parts.path.startswith("/stored/") and unquote(parts.path[len("/stored/"):]) in self.stored:
            body, kind = self.stored[unquote(parts.path[len("/stored/"):])]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})
        if ours and parts.path.startswith("/static/"):
            path = (self.static_folder / unquote(parts.path[len("/static/"):])).resolve()
            if path.is_file() and path.is_relative_to(self.static_folder):
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": kind})
        self.refused.append(url)
        raise ValueError(f"the PDF renderer fetches only the app's static files and stored data, not {url}")


def render_pdf(html: str, archival: bool = False, stored: dict | None = None) -> bytes:
    """The PDF of `html`; `archival`: PDF/A-3a, tagged, declaring PDF/UA (the template must give a title
    and the html element a lang); `stored`: {key: (bytes, content type)} the template reaches at stored_url(key)."""
    fetcher = OwnDataFetcher(current_app.static_folder, stored)
    with _render_lock:
        variant = ARCHIVAL if archival else None
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(pdf_variant=variant)
        if archival:
            document.metadata = ArchivalMetadata(**vars(document.metadata))
        pdf = document.write_pdf(pdf_variant=variant)
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
