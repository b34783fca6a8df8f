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
    config = current_app.config
    recipients = [to] if isinstance(to, str) else list(to)
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

    if config["MAIL_BACKEND"] == "console":
        current_app.logger.warning("Mail not sent (MAIL_BACKEND=console):\n%s", message.as_string())
        return message
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
    return message
