"""The WeasyPrint side of tracker/printing.py, imported the first time a PDF is made: WeasyPrint takes about a
second to import, which every command and worker that never makes a PDF would otherwise pay at start-up.
tracker/printing.py says what the renderer may fetch; this module does it.
"""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.urls import URLFetcher, URLFetcherResponse

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


class OwnDataFetcher(URLFetcher):
    """Serves /static/ files from disk, data: URIs and the stored bytes it was given; refuses (and remembers)
    everything else."""

    def __init__(self, base_url: str, static_folder: str, stored: dict | None = None):
        super().__init__(allowed_protocols=("https", "data"), allow_redirects=False)
        self.base_url = base_url
        self.static_folder = Path(static_folder).resolve()
        self.stored = stored or {}
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)  # decoded in memory, no I/O
        parts = urlsplit(url)
        ours = parts.scheme == "https" and parts.netloc == urlsplit(self.base_url).netloc and not parts.query
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


def render(html: str, base_url: str, fetcher: OwnDataFetcher, archival: bool) -> bytes:
    variant = ARCHIVAL if archival else None
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(pdf_variant=variant)
    if archival:
        document.metadata = ArchivalMetadata(**vars(document.metadata))
    return document.write_pdf(pdf_variant=variant)
