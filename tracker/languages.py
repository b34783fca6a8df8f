"""The languages the app speaks, and which one a request, a person or an email is in.

English is the language the strings are written in; every other language is a catalogue under `translations/`
(`translations/<code>/LC_MESSAGES/messages.po`, compiled by `make messages` or `make install`). Adding a language is
adding its catalogue: config's LANGUAGES lists the folders it finds, and no code names a language but the default.

Who reads in what:
- a signed-in person: the language chosen on /profile or with the footer's switch, else their browser's;
- anyone else (outside signers, /verify, calendar clients): the footer's switch (a cookie), else Accept-Language;
- an email: its recipient's (`of_user`), or, for someone without an account, the language of what it is about;
- a printed document: its own, fixed when it leaves draft (tracker/documents/locality.py);
- a background job: the language of the request that started it (tracker/jobs/service.py).
An unknown code, or a malformed header, falls back to the default.
"""
from contextlib import contextmanager
from functools import lru_cache

from babel import Locale
from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.validation import Invalid

COOKIE = "language"


def codes() -> list[str]:
    return current_app.config["LANGUAGES"]


def default() -> str:
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def known(code: str | None) -> str | None:
    """`code` if the app speaks it, else None."""
    return code if code in codes() else None


def chosen(code: str | None, field: str = "language") -> str | None:
    """A language someone chose in a form: one we speak, or None ("" and None: the browser's); else Invalid."""
    if code and not known(code):
        raise Invalid({field: _("Choose one of the languages in the list.")})
    return code or None


@lru_cache(maxsize=64)
def name(code: str) -> str:
    """The language's name in itself ("English", "Español"), as a language switch shows it."""
    spoken = Locale.parse(code).get_display_name(code) or code
    return spoken[:1].upper() + spoken[1:]


def choices() -> list[tuple[str, str]]:
    return [(code, name(code)) for code in codes()]


def options() -> list[tuple[str, str, dict]]:
    """The choices of a select, each option marked with its own language (a screen reader reads "Español" in
    Spanish)."""
    return [(code, label, {"lang": code}) for code, label in choices()]


def of_user(user, otherwise: str | None = None) -> str:
    """The language a person reads their email in: their choice, else `otherwise` (what the email is about, or
    the browser that asked for it), else the default."""
    return known(getattr(user, "language", None)) or known(otherwise) or default()


def asked() -> str:
    """The language of the request: the person's choice, the switch's cookie, the browser's, the default."""
    if not has_request_context():  # commands speak the default language (emails and jobs choose their own)
        return default()
    from flask_login import current_user

    choice = getattr(current_user, "language", None) if current_user else None
    return known(choice) or known(request.cookies.get(COOKIE)) or browsers() or default()


def browsers() -> str | None:
    """Accept-Language's best match among ours; a header that does not parse is no preference."""
    try:
        return request.accept_languages.best_match(codes())
    except (ValueError, TypeError):
        return None


@contextmanager
def speaking(code: str | None):
    """Render inside in `code` (an email to its recipient, a document in its own language)."""
    with force_locale(known(code) or default()):
        yield
