"""The emails of sign-off. Sent after the change is committed; a mail failure is logged, never undoes a signature."""
import threading
from contextlib import contextmanager

from flask import current_app, render_template
from flask_babel import gettext as _

from tracker import mail
from tracker.documents import links


_quiet = threading.local()


@contextmanager
def suppressed():
    """No mail inside this block (the demo seed signs for people without real mailboxes)."""
    _quiet.on = True
    try:
        yield
    finally:
        _quiet.on = False


def _send(to, subject: str, template: str, attachments=(), **context) -> bool:
    if getattr(_quiet, "on", False):
        return False
    try:
        mail.send(to, subject, render_template(template, **context), attachments=attachments)
    except Exception:  # noqa: BLE001  the sender can resend; the signature or decision stands
        current_app.logger.exception("could not send %r to %s", subject, to)
        return False
    return True


def invitation(signatory, token: str | None, reminder: bool = False) -> bool:
    version = signatory.version
    title = version.document.title
    if token is not None:
        subject = _("Please sign: %(title)s (%(version)s)", title=title, version=version.label)
        return _send(signatory.email, subject, "documents/mail/invitation.txt", signatory=signatory, version=version,
                     link=links.url(token), days=current_app.config["SIGNING_LINK_DAYS"], reminder=reminder)
    subject = _("Waiting for your signature: %(title)s (%(version)s)", title=title, version=version.label)
    return _send(signatory.email, subject, "documents/mail/task.txt", signatory=signatory, version=version,
                 reminder=reminder)


def completed(version, filename: str) -> bool:
    """Every signer and the agreement's manager get the sealed PDF."""
    subject = _("Signed by everyone: %(title)s (%(version)s)", title=version.document.title, version=version.label)
    manager = version.document.agreement.manager
    to = list(dict.fromkeys([s.email for s in version.signatories] + ([manager.email] if manager else [])))
    return _send(to, subject, "documents/mail/completed.txt", version=version,
                 attachments=[(filename, "application/pdf", version.pdf)],
                 copy_days=current_app.config["SIGNED_COPY_DAYS"])


def declined(version, signatory) -> bool:
    manager = version.document.agreement.manager
    if manager is None:
        return False
    subject = _("Declined: %(title)s (%(version)s)", title=version.document.title, version=version.label)
    return _send(manager.email, subject, "documents/mail/declined.txt", version=version, signatory=signatory)
