"""Valid HTML: the W3C Nu checker (vnu.jar, installed by `make test`: scripts/ensure-vnu) reads every page the demo's
people reach, and finds nothing but htmx's hx-* attributes, which it does not know."""
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import Session
from tests.test_words import demo, walk  # noqa: F401  (the demo fixture)
from tracker.documents.models import DocumentVersion
from tracker.extensions import db
from tracker.families import codes
from tracker.families.models import FamilyCode

ROOT = Path(__file__).resolve().parent.parent
JAR = Path(os.environ.get("VNU_DIR", ROOT / ".tools" / "vnu")) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z-]+(:[a-z-:]+)?” not allowed on element")


def nu_messages(files: list[Path]) -> list[dict]:
    if not JAR.is_file():
        pytest.fail(f"The Nu HTML checker is missing at {JAR}: run `make vnu` (scripts/ensure-vnu).", pytrace=False)
    done = subprocess.run(["java", "-jar", str(JAR), "--format", "json", *map(str, files)],
                          capture_output=True, text=True, timeout=600)
    return json.loads(done.stderr or "{}").get("messages", [])


def test_every_page_the_demo_reaches_is_valid_html(app, demo, tmp_path):  # noqa: F811
    pages: dict[str, str] = {}
    for role in ("admin", "staff", "librarian"):
        walk(app, Session(app.test_client(), f"{role}@demo.test"), per_shape=1, pages=pages)
    pages["/login"] = app.test_client().get("/login").get_data(as_text=True)
    pages["/verify"] = app.test_client().get("/verify").get_data(as_text=True)
    sealed = db.session.scalar(select(DocumentVersion.public_id).where(DocumentVersion.pdf_sha256.is_not(None)))
    assert sealed, "the demo has a sealed MOU, whose registered details /verify shows"
    pages["/verify?id"] = app.test_client().get(f"/verify?id={sealed}").get_data(as_text=True)
    pages["/family"] = app.test_client().get("/family").get_data(as_text=True)
    for answered in (True, False):  # the demo's families: some have answered
        family = db.session.scalars(select(FamilyCode).where((FamilyCode.answer != "") == answered)).first()
        pages[f"/family/<code> answered={answered}"] = app.test_client().get(
            f"/family/{codes.shown(codes.code_of(family.seed))}").get_data(as_text=True)
    files = {}
    for index, (url, html) in enumerate(sorted(pages.items())):
        if not html.lstrip().lower().startswith("<!doctype html>"):
            continue  # a fragment some link's hx-get fetches: it is checked inside the page it lands in
        path = tmp_path / f"page-{index:04d}.html"
        path.write_text(html, encoding="utf-8")
        files[path.name] = url
    found = [m for m in nu_messages([tmp_path / name for name in files])
             if m.get("type") == "error" or m.get("subType") == "warning"]
    found = [m for m in found if not HTMX_ATTRIBUTE.match(m.get("message", ""))]
    assert len(files) > 40
    assert not found, "\n".join(
        f"{files.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}: {m.get('message')} "
        f"[{' '.join((m.get('extract') or '').split())[:100]}]" for m in found[:60])


def test_content_types_state_the_charset_once_and_pages_have_a_favicon(world, login):
    from tests.card_fixtures import set_up_cards

    _programme, drive = set_up_cards(world)
    viewer = login(world.emails["viewer"])
    page = viewer.get("/")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    csv = viewer.get(f"/agreements/{drive.agreement_id}/drives/{drive.id}/progress.csv")
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.get_data(as_text=True))
    served = viewer.get(icon.group(1))
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
