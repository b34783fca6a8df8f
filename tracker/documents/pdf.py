"""The MOU as a PDF: a draft marked DRAFT on every page, or the final copy with its signature page
and audit certificate. Rendered by tracker.printing, which fetches nothing but the app's static files."""
import segno
from flask import render_template

from tracker import outward
from tracker.audit import service as audit
from tracker.documents import text
from tracker.documents.history import ENTITY
from tracker.printing import render_pdf


def verify_url(version) -> str:
    return outward.link("public_documents.verify", id=version.public_id)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def events(version) -> list:
    return list(reversed(audit.history(ENTITY, version.id, limit=10_000)))


def html(version, final: bool, text_sha256: str | None = None) -> str:
    context = {"version": version, "document": version.document, "agreement": version.document.agreement,
               "sections": text.sections(version), "final": final}
    if final:
        url = verify_url(version)
        context.update(events=events(version), text_sha256=text_sha256, verify_url=url, qr=qr_data_uri(url))
    return render_template("documents/pdf.html", **context)


def draft_pdf(version) -> bytes:
    return render_pdf(html(version, final=False))


def final_pdf(version, text_sha256: str) -> bytes:
    return render_pdf(html(version, final=True, text_sha256=text_sha256))


def filename(version) -> str:
    return f"{version.document.title} - {version.label} - {version.public_id}.pdf"
