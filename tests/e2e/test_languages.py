"""Spanish in the browser, and a walk under a pseudo-locale that finds interface text never marked for translation.

The pseudo-locale ("en_001" here, so that dates and numbers stay readable as English) translates every marked string
to itself between [[ and ]]. Walking the main pages in it, every piece of text a person sees must then be inside
[[…]], or be data a person typed (anything stored in the database), a date, a time or a number. Whatever is left was
written into a template or a view without _(): it would stay English in every language.
"""
import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import JSON, String, Text, select

from tests.conftest import PASSWORD
from tests.e2e.conftest import CLASS_VISITS, DATA_SHARING, MOU
from tests.e2e.mou import DISTRICT_SIGNER, LIBRARY_SIGNER, emailed_link
from tests.test_languages import marked_strings
from tracker.cards.models import CardDrive
from tracker.documents.models import DocumentVersion
from tracker.documents.workflow import SIGNED
from tracker.extensions import db

pytestmark = pytest.mark.e2e

PSEUDO = "en_001"

# What a page shows that is neither a marked string nor data: dates, times, zones, numbers, and names that are the
# same in every language (the languages' own names in the switch, the formats and programs we name).
NOT_WORDS = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|AM|PM|[ECMP][SD]T|UTC|GMT|US\$|"
    r"CSV|XLSX|PDF|ICS|Koha|Evergreen|Polaris|OneRoster|MOU-[0-9A-F]+|"
    r"Chrome|Firefox|Edge|Safari|Opera|Windows|macOS|Linux|ChromeOS|Android|iOS|"
    r"(Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z_/+-]+)(?![A-Za-z])", re.I)

TEXTS = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    // not interface text: data marked translate="no" (addresses), code, and what is marked as another language
    // (a document's own words, each language's name in the switch)
    if (!parent || parent.closest('script, style, template, [hidden], textarea, [translate=no], code, pre, ' +
                                  '.language-switch [lang]')) continue;
    const own = parent.closest('[lang]');
    if (own && own.lang !== document.documentElement.lang) continue;
    if (node.textContent.trim()) seen.push(node.textContent);
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], [alt], input[type=submit]')) {
    for (const name of ['placeholder', 'title', 'aria-label', 'alt', 'value']) {
      if (name === 'value' && el.type !== 'submit') continue;
      const value = el.getAttribute(name);
      if (value && value.trim()) seen.push(value);
    }
  }
  seen.push(document.title);
  return seen;
}"""


@pytest.fixture
def pseudo(app, tmp_path):
    """The pseudo-locale's catalogue, compiled into a directory of its own and known to the app for this test."""
    catalogue = Catalog(locale=PSEUDO)
    for message in marked_strings():
        if isinstance(message, tuple):
            catalogue.add(message[:2], tuple(f"[[{m}]]" for m in message[:2]))
        else:
            catalogue.add(message, f"[[{message}]]")
    folder = tmp_path / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as out:
        write_mo(out, catalogue)
    babel = app.extensions["babel"]
    babel.translation_directories.append(str(tmp_path))
    app.config["LANGUAGES"].append(PSEUDO)
    yield
    app.config["LANGUAGES"].remove(PSEUDO)
    babel.translation_directories.remove(str(tmp_path))
    babel.instance.domain_instance.cache.clear()


def stored_text(app) -> str:
    """Every text value in the database, one per line: what people typed (names, titles, clauses...), and the
    values (not the keys) the audit log and other JSON columns recorded."""
    values = []

    def gather(value):
        if isinstance(value, dict):
            for item in value.values():
                gather(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                gather(item)
        elif value not in (None, ""):
            values.append(str(value))

    with app.app_context():
        for table in db.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
            if columns:
                for row in db.session.execute(select(*columns)):
                    gather(list(row))
    return "\n".join(values)


def unmarked(texts: list[str], stored: str) -> set[str]:
    """The pieces of text that are neither inside [[…]], nor stored data, nor dates, times and numbers."""
    found = set()
    for text in texts:
        previous = None
        while previous != text:  # innermost first: a marked string may hold another
            previous, text = text, re.sub(r"\[\[(?!\[)(?:(?!\[\[|\]\]).)*\]\]", "\x00", text, flags=re.S)
        for piece in re.split(r"[\x00\n]|\s[·—–|→]\s|[,;]\s|:\s|\(|\)|\s<|>", text):
            piece = piece.strip(" \t,;:·—–()|.")
            number_free = re.sub(r"^[-+$\d.,%\s\u202f]+|[\d.,%\s\u202f]+$", "", piece)  # "120 hours": 120 of a unit typed
            if piece and piece not in stored and number_free not in stored and \
                    re.search(r"[A-Za-zÀ-ÿ]{2}", NOT_WORDS.sub(" ", piece)):
                found.add(piece)
    return found


def visit(page, path: str) -> list[str]:
    response = page.goto(path)
    assert response.status == 200, path
    return page.evaluate(TEXTS)


def test_every_text_on_the_main_pages_is_marked_for_translation(app, new_page, demo, mailbox, pseudo):
    mou, class_visits = demo.agreements[MOU], demo.agreements[CLASS_VISITS]
    agreement_id, version_id = spanish_mou(app)  # an MOU out for signature: its outside signer's emailed link
    signing_link = urlsplit(emailed_link(mailbox, DISTRICT_SIGNER[3])).path
    stored = stored_text(app)
    with app.app_context():
        drive = db.session.scalar(select(CardDrive.id).where(CardDrive.agreement_id == mou))
        document_id = db.session.scalar(select(DocumentVersion).where(DocumentVersion.status == SIGNED).limit(1)).public_id
    walks = {
        None: ["/login", "/password/forgot", "/verify", f"/verify?id={document_id}", signing_link],
        "admin@demo.test": ["/", "/agreements", "/agreements/new", "/documents", "/drives", "/drives/new",
                            "/organisations", "/organisations/new", "/users", "/users/new", "/users/sign-up-domains",
                            "/audit", "/profile", "/documents/tasks", "/clauses", "/clauses/new",
                            f"/organisations/{demo.orgs['Riverside Public Library']}"],
        "director@demo.test": [f"/agreements/{mou}", *(f"/agreements/{mou}/{part}" for part in (
            "details", "history", "documents", "cards", "drives", "roster", "key-dates", "health", "milestones",
            "resources")), f"/agreements/{mou}/drives/{drive}", f"/agreements/{class_visits}",
            f"/reports/agreements/{mou}", f"/agreements/{agreement_id}/versions/{version_id}",
            f"/agreements/{agreement_id}/versions/{version_id}/sign"],
        "librarian@demo.test": ["/", f"/agreements/{mou}", "/drives"],
    }
    problems = {}
    for email, paths in walks.items():
        page = new_page()
        page.goto("/login")
        page.context.add_cookies([{"name": "language", "value": PSEUDO, "url": page.url}])
        if email:
            page.goto("/login")
            page.locator("#email").fill(email)
            page.locator("#password").fill(PASSWORD)
            page.locator("form button[type=submit]").first.click()
            expect(page.locator("h1")).to_be_visible()
        for path in paths:
            texts = visit(page, path)
            assert any("[[" in t for t in texts), f"{path} is not in the pseudo-locale"
            left = unmarked(texts, stored)
            if left:
                problems[f"{email or 'visitor'} {path}"] = sorted(left)
    assert not problems, "text not marked for translation:\n" + "\n".join(
        f"  {where}: {found}" for where, found in problems.items())

SPANISH = read_po((Path(__file__).resolve().parents[2] / "translations/es/LC_MESSAGES/messages.po").open("rb"))


def es(english: str, **values) -> str:
    """The Spanish the app shows for an English string (from the catalogue, so wording changes need no edit here)."""
    entry = SPANISH.get(english)
    assert entry is not None and entry.string, f"no Spanish for {english!r}"
    return entry.string % values if values else entry.string


def spanish_mou(app) -> tuple[int, int]:
    """The data-sharing agreement's MOU, its library party reading Spanish, sent for signature to the library's
    director (who signs in the app) and the district's superintendent (by an emailed link). (agreement, version)"""
    from tracker import clock
    from tracker.agreements.models import Agreement
    from tracker.demo.data import SEEDER
    from tracker.documents import approvals, signing
    from tracker.documents import service as documents
    from tracker.orgs.models import Organisation

    with app.app_context():
        agreement = db.session.scalar(select(Agreement).where(Agreement.title == DATA_SHARING))
        library = db.session.scalar(select(Organisation).where(Organisation.name == LIBRARY_SIGNER[2]))
        library.language, agreement.effective_date = "es", clock.today()
        db.session.commit()
        version = documents.create_document(SEEDER, agreement).versions[0]
        documents.update_settings(SEEDER, version, ["internal"], "parallel", {**version.terms, "grades": "K–12"},
                                  may_set_approvals=True)
        for name, title, organisation, email in (LIBRARY_SIGNER, DISTRICT_SIGNER):
            signing.add_signatory(SEEDER, version, {"name": name, "title": title, "organisation": organisation,
                                                    "email": email, "capacity": "signs"})
        documents.submit_for_approval(SEEDER, version)
        approvals.record_approval(SEEDER, version, "internal", clock.today(), "Casey Counsel")
        signing.start(SEEDER, version)
        return agreement.id, version.id


def test_in_spanish_a_director_and_an_outside_signer_sign_and_anyone_verifies(app, new_page, demo, mailbox):
    agreement_id, version_id = spanish_mou(app)
    invitation = mailbox.wait(2) and mailbox.to(DISTRICT_SIGNER[3])[0]
    assert invitation["Subject"].startswith(es("Please sign: %(title)s (%(version)s)", title="", version="")[:8])
    assert es("Library Partnership Tracker") in invitation.get_body(preferencelist=("plain",)).get_content()

    director = new_page(locale="es-MX")
    director.goto("/login")
    expect(director.locator("html")).to_have_attribute("lang", "es")
    director.get_by_label(es("Email")).fill(LIBRARY_SIGNER[3])
    director.get_by_label(es("Password")).fill(PASSWORD)
    director.get_by_role("button", name=es("Sign in")).click()
    expect(director.get_by_role("heading", level=1, name=es("Dashboard"))).to_be_visible()
    director.get_by_role("navigation", name=es("Main")).get_by_role("link", name=es("Agreements")).click()
    director.get_by_role("link", name=DATA_SHARING).first.click()
    expect(director.get_by_role("heading", level=1, name=DATA_SHARING)).to_be_visible()
    expect(director.get_by_role("link", name=es("Documents")).first).to_be_visible()
    director.goto(f"/agreements/{agreement_id}/versions/{version_id}/sign")
    director.get_by_label(es("I have reviewed the document above and agree to sign it electronically.")).check()
    director.get_by_label(es("Type your full name to sign")).fill(LIBRARY_SIGNER[0])
    director.get_by_role("button", name=es("Sign the document")).click()
    expect(director.get_by_text(es("Signed. Thank you."))).to_be_visible()

    signer = new_page(locale="es")
    signer.goto(urlsplit(emailed_link(mailbox, DISTRICT_SIGNER[3])).path)  # sent by a command: its host is not ours
    expect(signer.locator("html")).to_have_attribute("lang", "es")
    signer.get_by_label(es("I have reviewed the document above and agree to sign it electronically.")).check()
    signer.get_by_label(es("Type your full name to sign")).fill(DISTRICT_SIGNER[0])
    signer.get_by_role("button", name=es("Sign the document")).click()
    expect(signer.get_by_role("heading", name=es("Thank you — your signature is recorded"))).to_be_visible()
    document_id = re.search(r"MOU-[0-9A-F]{10}", signer.content()).group(0)

    # Everyone here reads Spanish (the signers chose nothing: the document's language), so the sealed PDF goes out
    # in one Spanish message to both.
    done = [m for m in mailbox.wait(3, timeout=30) if m["Subject"].startswith(es(
        "Signed by everyone: %(title)s (%(version)s)", title="", version="")[:10])]
    assert len(done) == 1 and "application/pdf" in [p.get_content_type() for p in done[0].iter_attachments()]
    assert {LIBRARY_SIGNER[3], DISTRICT_SIGNER[3]} <= set(done[0]["To"].replace(" ", "").split(","))

    with app.app_context():  # the sealed MOU is in its own language, Spanish, with its dates as es_US writes them
        sealed = db.session.get(DocumentVersion, version_id).pdf
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(sealed)).pages]
    whole = " ".join(pages)
    assert es("Approvals and signatures") in whole and es("Audit certificate") in whole
    assert "Página 1 de" in pages[0] and "Page 1 of" not in whole
    assert re.search(r"\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
                     r"diciembre) de \d{4}", whole)

    checker = new_page(locale="es-ES")
    checker.goto(f"/verify?id={document_id}")
    expect(checker.get_by_role("heading", name=es("Registered"), exact=True)).to_be_visible()
    expect(checker.locator("html")).to_have_attribute("lang", "es")
