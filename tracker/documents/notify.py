"""The emails of sign-off. Sent after the change is committed; a mail failure is logged, never undoes a signature."""
import threading
from contextlib import contextmanager
from typing import Callable

from flask import current_app, render_template
from flask_babel import gettext as _

from tracker import languages, mail
from tracker.documents import links, locality


_quiet = threading.local()


@contextmanager
def suppressed():
    """No mail inside this block (the demo seed signs for people without real mailboxes)."""
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = False


def _send(to, language: str, subject: Callable[[], str], template: str, attachments=(), **context) -> bool:
    """Render the subject and the text in the recipients' `language`, then send."""
    if getattr(_quiet, "on", False):
        return False
    with languages.speaking(language):
        title, text = subject(), render_template(template, **context)
    try:
        mail.send(to, title, text, attachments=attachments)
    except Exception:  # noqa: BLE001  the sender can resend; the signature or decision stands
        current_app.logger.exception("could not send %r to %s", title, to)
        return False
    return True


def _language(version, user) -> str:
    """A person with an account reads their own language; an outside signer reads the document's."""
    return languages.of_user(user, otherwise=locality.of(version).language)


def invitation(signatory, token: str | None, reminder: bool = False) -> bool:
    version = signatory.version
    title = version.document.title
    language = _language(version, signatory.user)
    if token is not None:
        return _send(signatory.email, language,
                     lambda: _("Please sign: %(title)s (%(version)s)", title=title, version=version.label),
                     "documents/mail/invitation.txt", signatory=signatory, version=version,
                     link=links.url(token), days=current_app.config["SIGNING_LINK_DAYS"], reminder=reminder)
    return _send(signatory.email, language,
                 lambda: _("Waiting for your signature: %(title)s (%(version)s)", title=title, version=version.label),
                 "documents/mail/task.txt", signatory=signatory, version=version, reminder=reminder)


def completed(version, filename: str) -> bool:
    """Every signer and the agreement's manager get the sealed PDF, one email per language they read."""
    manager = version.document.agreement.manager
    document = locality.of(version).language
    readers = [(s.email, languages.of_user(s.user, otherwise=document)) for s in version.signatories]
    readers += [(manager.email, languages.of_user(manager, otherwise=document))] if manager else []
    by_language: dict[str, list[str]] = {}
    for email, language in dict(readers).items():
        by_language.setdefault(language, []).append(email)
    sent = [_send(to, language,
                  lambda: _("Signed by everyone: %(title)s (%(version)s)", title=version.document.title,
                            version=version.label),
                  "documents/mail/completed.txt", version=version, attachments=[(filename, "application/pdf", version.pdf)],
                  copy_days=current_app.config["SIGNED_COPY_DAYS"]) for language, to in by_language.items()]
    return all(sent)


def declined(version, signatory) -> bool:
    manager = version.document.agreement.manager
    if manager is None:
        return False
    return _send(manager.email, _language(version, manager),
                 lambda: _("Declined: %(title)s (%(version)s)", title=version.document.title, version=version.label),
                 "documents/mail/declined.txt", version=version, signatory=signatory)
