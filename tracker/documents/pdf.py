"""The MOU as a PDF: a draft marked DRAFT on every page, or the final copy with its signature page
and audit certificate. Rendered by tracker.printing, which fetches nothing but the app's static files."""
import segno
from flask import render_template
from flask_babel import force_locale

from tracker import outward
from tracker.documents import certificate, exhibits, locality, signature_page, text
from tracker.printing import render_pdf, stored_url


def verify_url(version) -> str:
    return outward.link("public_documents.verify", id=version.public_id)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m", mask=4).svg_data_uri(scale=4, border=2)  # a fixed mask: no search for the best


def logos(version) -> dict:
    """The parties' stored logos, for the renderer: {key: (bytes, type)}."""
    return {f"logo-{p.organisation.id}": (p.organisation.logo, p.organisation.logo_type)
            for p in version.document.agreement.parties if p.organisation.logo_type}


def letterhead(version) -> list[dict]:
    """Each party's name and, when it has one, its logo: what heads the document."""
    return [{"name": p.organisation.name,
             "logo": stored_url(f"logo-{p.organisation.id}") if p.organisation.logo_type else None}
            for p in version.document.agreement.parties]


def html(version, final: bool, text_sha256: str | None = None) -> str:
    """The document in its library party's language, its times in that party's zone."""
    place = locality.of(version)
    agreement = version.document.agreement
    context = {"version": version, "document": version.document, "agreement": agreement,
               "sections": text.sections(version), "final": final, "place": place,
               "blocks": signature_page.blocks(version), "captions": signature_page.CAPTIONS,
               "letterhead": letterhead(version)}
    with force_locale(place.language):
        context["programme"] = exhibits.programme_rules(agreement)
        if final:
            url = verify_url(version)
            context.update(events=certificate.lines(version, place), text_sha256=text_sha256, verify_url=url,
                           qr=qr_data_uri(url))
        return render_template("documents/pdf.html", **context)


def draft_pdf(version) -> bytes:
    return render_pdf(html(version, final=False), archival=True, stored=logos(version))


def final_pdf(version, text_sha256: str) -> bytes:
    return render_pdf(html(version, final=True, text_sha256=text_sha256), archival=True, stored=logos(version))


def filename(version) -> str:
    return f"{version.document.title} - {version.label} - {version.public_id}.pdf"


def sealed_filename(version) -> str:
    """The name the sealed PDF is stored under and downloaded as: its title and label as the document prints them,
    in its language, fixed with its bytes."""
    with force_locale(locality.of(version).language):
        return filename(version)
