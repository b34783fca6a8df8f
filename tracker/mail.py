"""Email over SMTP, configured from the environment (MAIL_* settings).

MAIL_BACKEND "smtp" sends; "console" (the development default) writes each message to the
app log instead, so a laptop without a mail server still shows the signing links it would send.
"""
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def send(to: str | list[str], subject: str, text: str, html: str | None = None,
         attachments: list[tuple[str, str, bytes]] = ()) -> EmailMessage:
    """`attachments`: (filename, MIME type, bytes) each, e.g. a sealed PDF."""
    with Postbox() as post:
        return post.send(to, subject, text, html, attachments)


class Postbox:
    """One SMTP connection for many messages (the daily digests), opened for the first and again after a failure,
    so one bad address or a dropped connection costs only its own message; closed on leaving the `with`."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Postbox":
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, to: str | list[str], subject: str, text: str, html: str | None = None,
             attachments: list[tuple[str, str, bytes]] = ()) -> EmailMessage:
        """As `send`, over this connection."""
        config = current_app.config
        message = _message(config, [to] if isinstance(to, str) else list(to), subject, text, html, attachments)
        if config["MAIL_BACKEND"] == "console":
            current_app.logger.warning("Mail not sent (MAIL_BACKEND=console):\n%s", message.as_string())
            return message
        try:
            if self._smtp is None:
                self._smtp = _connect(config)
            self._smtp.send_message(message)
        except Exception:
            self.close()  # not reused: the next message opens a fresh connection
            raise
        return message

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except Exception:
        smtp.close()
        raise
    return smtp


def _message(config, recipients: list[str], subject: str, text: str, html: str | None,
             attachments) -> EmailMessage:
    sender = config["MAIL_DEFAULT_SENDER"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for filename, mime, data in attachments:
        maintype, _slash, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message
