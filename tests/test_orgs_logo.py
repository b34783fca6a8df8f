"""An organisation's logo: uploaded as PNG or SVG, checked, sanitised and size-limited; bad files are refused with
a message and nothing changes; the logo heads the MOUs its organisation is party to, and the renderer reads the
stored bytes, never anything a logo names."""
import io

import pdfplumber
import pytest
from PIL import Image

from tests import documents as docs
from tracker.extensions import db
from tracker.orgs.models import Organisation

CLEAN_SVG = (b'<?xml version="1.0"?><!-- made by hand --><svg xmlns="http://www.w3.org/2000/svg" width="240" height="80" '
             b'viewBox="0 0 240 80"><defs><linearGradient id="g"><stop offset="0" stop-color="#036"/></linearGradient></defs>'
             b'<rect width="240" height="80" fill="url(#g)"/><circle cx="40" cy="40" r="30" fill="#fc0"/></svg>')
HOSTILE_SVGS = {
    "script": (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9" height="9"/></svg>',
               "contains a script"),
    "event attribute": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>',
                        "event attribute (onload)"),
    "external image": (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                       b'<image xlink:href="http://example.com/x.png" width="9" height="9"/></svg>', "outside itself"),
    "local file": (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd" width="9" height="9"/></svg>',
                   "outside itself"),
    "css url": (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://example.com/p.svg#a)" '
                b'width="9" height="9"/></svg>', "outside itself"),
    "css import": (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://example.com/x.css";</style></svg>',
                   "outside itself"),
    "foreign object": (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" '
                       b'src="https://example.com"/></foreignObject></svg>', "embedded content"),
    "entities": (b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
                 "document type or entities"),
    "javascript link": (b'<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect width="9" height="9"/>'
                        b'</a></svg>', "contains a script"),
    "too many pixels": (b'<svg xmlns="http://www.w3.org/2000/svg" width="5000" height="80"/>', "at most 2000 × 2000"),
}


def png(width=300, height=100, **info) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (0, 51, 102))
    from PIL import PngImagePlugin

    meta = PngImagePlugin.PngInfo()
    for key, value in info.items():
        meta.add_text(key, value)
    image.save(out, format="PNG", pnginfo=meta)
    return out.getvalue()


def upload(session, org, data: bytes, name="logo.png"):
    return session.post(f"/organisations/{org.id}/logo", data={"logo": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


@pytest.fixture
def staff(world, login):
    return login(world.emails["library_staff"])


def kept(org) -> tuple[bytes | None, str | None]:
    db.session.expire_all()
    found = db.session.get(Organisation, org.id)
    return found.logo, found.logo_type


def test_a_png_logo_is_kept_re_encoded_and_shown(world, staff):
    library = world.orgs["library"]
    response = upload(staff, library, png(Comment="secret notes"))
    assert response.status_code == 303
    data, kind = kept(library)
    assert kind == "image/png" and b"secret notes" not in data  # only the pixels are kept
    assert Image.open(io.BytesIO(data)).size == (300, 100)
    page = staff.get(f"/organisations/{library.id}").get_data(as_text=True)
    assert f"/organisations/{library.id}/logo" in page and "Logo of Lakeside Library System" in page
    served = staff.get(f"/organisations/{library.id}/logo")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == data
    assert staff.get(f"/organisations/{library.id}/logo", headers={"If-None-Match": served.headers["ETag"].strip('"')}
                     ).status_code == 304


def test_an_svg_logo_is_kept_without_comments_and_served_under_a_strict_policy(world, staff):
    library = world.orgs["library"]
    assert upload(staff, library, CLEAN_SVG, "logo.svg").status_code == 303
    data, kind = kept(library)
    assert kind == "image/svg+xml" and b"made by hand" not in data and b"<circle" in data
    served = staff.get(f"/organisations/{library.id}/logo")
    assert served.mimetype == "image/svg+xml" and "default-src 'none'" in served.headers["Content-Security-Policy"]


@pytest.mark.parametrize("kind", sorted(HOSTILE_SVGS))
def test_a_hostile_svg_is_refused_with_a_message_and_nothing_changes(world, staff, kind):
    library = world.orgs["library"]
    assert upload(staff, library, png()).status_code == 303
    before = kept(library)
    data, message = HOSTILE_SVGS[kind]
    response = upload(staff, library, data, "logo.svg")
    assert response.status_code == 422 and message in response.get_data(as_text=True), response.get_data(as_text=True)[-3000:]
    assert kept(library) == before


@pytest.mark.parametrize("data, message", [
    (b"GIF89a\x01\x00\x01\x00 not a logo", "must be a PNG or an SVG"),
    (b"%PDF-1.7 a document", "must be a PNG or an SVG"),
    (png(3000, 20), "3000 × 20 pixels; at most 2000 × 2000"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (600 * 1024), "at most 512 KB"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x10\x00\x00\x00\x10broken", "could not be read"),
], ids=["gif", "pdf", "pixels", "bytes", "broken png"])
def test_what_is_not_a_usable_image_is_refused_and_nothing_changes(world, staff, data, message):
    library = world.orgs["library"]
    response = upload(staff, library, data, "logo.png")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert kept(library) == (None, None)


def test_only_those_who_edit_the_organisation_may_change_its_logo(world, login):
    library = world.orgs["library"]
    viewer = login(world.emails["viewer"])
    assert upload(viewer, library, png()).status_code == 403
    assert viewer.post(f"/organisations/{library.id}/logo/remove").status_code == 403
    assert kept(library) == (None, None)


def test_removing_the_logo(world, staff):
    library = world.orgs["library"]
    upload(staff, library, png())
    assert staff.post(f"/organisations/{library.id}/logo/remove").status_code == 303
    assert kept(library) == (None, None)
    assert staff.get(f"/organisations/{library.id}/logo").status_code == 404


def test_each_partys_name_and_logo_head_the_document_and_the_renderer_reads_only_stored_data(world, login, monkeypatch):
    from tracker.documents import pdf as documents_pdf

    admin = login(world.emails["admin"])
    assert upload(admin, world.orgs["library"], CLEAN_SVG, "logo.svg").status_code == 303
    assert upload(admin, world.orgs["north"], png(200, 200)).status_code == 303
    fetched = docs.fetches(monkeypatch)
    db.session.expire_all()
    version = docs.draft(world)
    data = documents_pdf.draft_pdf(version)
    with pdfplumber.open(io.BytesIO(data)) as document:
        first = document.pages[0]
        head = first.crop((0, 0, first.width, 200)).extract_text()
        assert "Lakeside Library System" in head and "North School" in head
        assert len(first.images) >= 1, fetched  # the PNG (the SVG becomes vector drawing)
    stored = [u for u in fetched if "/stored/" in u]
    assert sorted(stored) == sorted({f"https://tracker.invalid/stored/logo-{world.orgs[k].id}" for k in ("library", "north")})
    assert all(u.startswith(("https://tracker.invalid/static/", "https://tracker.invalid/stored/", "data:")) for u in fetched)
