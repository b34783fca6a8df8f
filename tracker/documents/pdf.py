"""The MOU as a PDF: a draft marked DRAFT on every page, or the final copy with its signature page
and audit certificate. Rendered by tracker.printing, which fetches nothing but the app's static files."""
import segno
from flask import current_app, render_template
from flask_babel import force_locale

from tracker.documents import certificate, exhibits, locality, signature_page, text
from tracker.printing import render_pdf


def verify_url(version) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify?id={version.public_id}"


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def html(version, final: bool, text_sha256: str | None = None) -> str:
    """The document in its library party's language, its times in that party's zone."""
    place = locality.of(version)
    agreement = version.document.agreement
    context = {"version": version, "document": version.document, "agreement": agreement,
               "sections": text.sections(version), "final": final, "place": place,
               "blocks": signature_page.blocks(version), "captions": signature_page.CAPTIONS}
    with force_locale(place.language):
        context["programme"] = exhibits.programme_rules(agreement)
        if final:
            url = verify_url(version)
            context.update(events=certificate.lines(version, place), text_sha256=text_sha256, verify_url=url,
                           qr=qr_data_uri(url))
        return render_template("documents/pdf.html", **context)


def draft_pdf(version) -> bytes:
    return render_pdf(html(version, final=False), archival=True)


def final_pdf(version, text_sha256: str) -> bytes:
    return render_pdf(html(version, final=True, text_sha256=text_sha256), archival=True)


def filename(version) -> str:
    return f"{version.document.title} - {version.label} - {version.public_id}.pdf"
