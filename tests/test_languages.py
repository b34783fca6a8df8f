"""Spanish throughout, chosen per person: the catalogue kept complete, the language each request, email and report
is in, and bad input (a language we do not have, a malformed header) falling back to English."""
import io
import re
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from pypdf import PdfReader
from sqlalchemy import select

from tests.test_reports import YEAR, fill
from tracker import languages
from tracker.audit.models import AuditEvent
from tracker.audit.service import Actor
from tracker.auth import links
from tracker.auth.models import User
from tracker.extensions import db

ADMIN = Actor(None, "Ada Admin <admin@test.example>", "127.0.0.1")
ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"


def marked_strings() -> set:
    """Every string marked for translation in the code and templates now, read as `make messages` reads them."""
    method_map, options_map = frontend.parse_mapping_cfg(io.StringIO((ROOT / "babel.cfg").read_text()))
    keywords = {**frontend.DEFAULT_KEYWORDS, "_l": None}
    return {message for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords)}


def catalogues() -> dict:
    return {p.parent.parent.name: read_po(p.open("rb")) for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")}


def test_every_marked_string_has_a_translation_in_every_language():
    """A string added or changed without its translation fails here, naming it: `make messages`, then translate."""
    marked = marked_strings()
    assert len(marked) > 1500 and catalogues(), "the extraction found the strings, and there is a catalogue"
    for code, catalogue in catalogues().items():
        missing, fuzzy, empty = [], [], []
        for message in marked:
            key = message[0] if isinstance(message, tuple) else message
            entry = catalogue.get(key)
            strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (entry and entry.string,)
            if entry is None:
                missing.append(key)
            elif entry.fuzzy:
                fuzzy.append(key)
            elif not all(strings):
                empty.append(key)
        assert not (missing or fuzzy or empty), (
            f"{code}: {len(missing)} strings not in the catalogue, {len(fuzzy)} fuzzy, {len(empty)} untranslated "
            f"(run `make messages` and translate them): {(missing + fuzzy + empty)[:10]}")


def test_every_translation_keeps_its_placeholders():
    """Babel's own checks: a %(name)s lost or misspelt in a translation would raise when the string is shown."""
    for code, catalogue in catalogues().items():
        problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
        assert not problems, f"{code}: {problems[:10]}"


def page(client, path="/login", **headers):
    response = client.get(path, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def test_a_visitor_reads_the_language_their_browser_asks_for(client):
    status, html = page(client, **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert status == 200 and '<html lang="es">' in html and "Iniciar sesión" in html and "Contraseña" in html
    status, html = page(client, **{"Accept-Language": "en-US,en;q=0.8"})
    assert '<html lang="en">' in html and "Sign in" in html


@pytest.mark.parametrize("header", ["fr-FR,fr;q=0.9", "xx", "", "*"])
def test_a_language_we_do_not_have_falls_back_to_english(client, header):
    status, html = page(client, **{"Accept-Language": header})
    assert status == 200 and '<html lang="en">' in html and "Sign in" in html


@pytest.mark.parametrize("header", ["es;q=abc", ";;;,,,q=", "es-ES;q=0.9;;q=1,\x7f", "e" * 5000, "es;q=2", "\u00e9s"])
def test_a_malformed_accept_language_is_ignored_never_a_500(client, header):
    status, html = page(client, **{"Accept-Language": header.encode("latin-1", "replace").decode("latin-1")})
    assert status == 200 and "<html lang=" in html


def switch(session, language, back="/login", csrf=True):
    return session.post("/language", data={"language": language, "next": back}, csrf=csrf)


def test_the_footer_switch_sets_a_visitors_language_and_returns_to_the_page(login):
    visitor = login(None)
    assert "Español" in visitor.get("/login").get_data(as_text=True)  # the switch names each language in itself
    response = switch(visitor, "es", back="/verify")
    assert response.status_code == 303 and response.headers["Location"].endswith("/verify")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("language=es") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    status, html = page(visitor.client, "/verify", **{"Accept-Language": "en"})  # the switch wins over the browser
    assert status == 200 and '<html lang="es">' in html
    response = switch(visitor, "en")
    assert page(visitor.client, **{"Accept-Language": "es"})[1].count('<html lang="en">') == 1


def test_the_switch_refuses_what_it_should(login):
    visitor = login(None)
    assert switch(visitor, "es", csrf=False).status_code == 400  # no CSRF token: refused, nothing set
    response = switch(visitor, "fr")
    assert response.status_code == 303 and "language=" not in response.headers.get("Set-Cookie", "")
    assert "Choose one of the languages in the list." in visitor.get("/login").get_data(as_text=True)
    for elsewhere in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = switch(visitor, "es", back=elsewhere)
        assert response.headers["Location"] in ("/", "http://localhost/"), elsewhere


def test_a_person_chooses_their_language_on_the_profile_and_keeps_it(world, login):
    session = login(world.emails["school_librarian"])
    html = session.get("/profile").get_data(as_text=True)
    assert 'id="reading-language"' in html and "The language your browser asks for" in html
    response = switch(session, "es", back="/profile#reading-language")
    assert response.status_code == 303
    user = db.session.execute(select(User).where(User.email == world.emails["school_librarian"])).scalar_one()
    assert user.language == "es"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "auth.language_chosen")).scalar_one()
    assert event.entity_id == str(user.id) or event.entity_id == user.id
    # Another browser of hers, asking for English, still gets Spanish: the choice is the account's.
    other = login(world.emails["school_librarian"])
    status, html = page(other.client, "/", **{"Accept-Language": "en"})
    assert '<html lang="es">' in html and "Panel" in html
    switch(session, "", back="/profile")  # back to "what my browser asks for"
    db.session.refresh(user)
    assert user.language is None
    assert '<html lang="en">' in page(other.client, "/", **{"Accept-Language": "en"})[1]


def test_dates_and_money_are_written_as_the_language_writes_them(world, login):
    own = fill(world)
    session = login(world.emails["viewer"])
    html = session.get(f"/reports/agreements/{own.id}?year={YEAR}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Informe anual de la colaboración" in html
    assert "$1,200.00" in html and "$300.00" in html  # Spanish as written in the United States (es_US)
    assert "1 de julio de 2026" in html and "30 de junio de 2027" in html


def test_a_report_pdf_in_spanish_has_spanish_dates_and_currency(world, login):
    own = fill(world)
    session = login(world.emails["viewer"])
    switch(session, "es", back="/")
    response = session.get(f"/reports/agreements/{own.id}.pdf?year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Informe anual de la colaboración" in text and "Año escolar 2026–27" in text
    assert "1 de julio de 2026" in text and "30 de junio de 2027" in text
    assert "30 de septiembre de 2026" in text  # a milestone's due date
    assert "$1,200.00" in text and "50% cumplido." in text  # money and shares as es_US writes them
    assert "July" not in text and "September" not in text and "Annual partnership report" not in text


def test_an_invitation_goes_in_the_recipients_language(world, app, mailbox):
    user = db.session.execute(select(User).where(User.email == world.emails["school_librarian"])).scalar_one()
    user.language = "es"
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):  # the admin who invites reads English
        links.invite(ADMIN, user)
        db.session.commit()
    mailbox.wait(1)
    assert mailbox.messages[0]["Subject"] == "Le invitamos a usar Seguimiento de Colaboraciones Bibliotecarias"
    text = mailbox.text(0)
    assert "Ada Admin le creó una cuenta" in text and "/password/" in text and "Library Partnership Tracker" not in text


def test_a_reset_for_someone_who_chose_nothing_follows_the_browser_that_asked(world, app, mailbox):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        links.request_reset(ADMIN, world.emails["viewer"])
    mailbox.wait(1)
    assert re.search(r"contraseña", mailbox.messages[0]["Subject"], re.I)


def test_languages_come_from_the_catalogues_on_disk(app):
    with app.app_context():
        assert languages.codes()[0] == "en" and "es" in languages.codes()
        assert languages.known("es") == "es" and languages.known("fr") is None and languages.known(None) is None
        assert languages.name("es") == "Español" and languages.name("en") == "English"


def test_an_admin_adds_a_spanish_speaking_librarian_and_her_invitation_is_in_spanish(world, login, mailbox):
    admin = login(world.emails["admin"])
    html = admin.get("/users/new").get_data(as_text=True)
    assert "The language their browser asks for" in html and 'lang="es"' in html
    response = admin.post("/users/new", data={"name": "Lucía Bibliotecaria", "email": "lucia@north.example",
                                              "role": "school_librarian", "organisation_ids": world.orgs["north"].id,
                                              "language": "es"})
    assert response.status_code == 303
    mailbox.wait(1)
    assert mailbox.messages[0]["Subject"] == "Le invitamos a usar Seguimiento de Colaboraciones Bibliotecarias"
    user = db.session.execute(select(User).where(User.email == "lucia@north.example")).scalar_one()
    assert user.language == "es"
    refused = admin.post(f"/users/{user.id}", data={"name": user.name, "email": user.email, "role": user.role,
                                                   "organisation_ids": world.orgs["north"].id, "active": "y",
                                                   "language": "fr"})
    assert refused.status_code == 422 and "Choose one of the languages in the list." in refused.get_data(as_text=True)
    db.session.refresh(user)
    assert user.language == "es"
