"""Mail goes over real SMTP: to a local aiosmtpd server in tests."""
import smtplib

import pytest

from tracker import mail


def test_a_message_reaches_the_smtp_server_with_text_and_html(app, mailbox):
    mail.send(["ana@school.example", "ben@library.example"], "Please sign: Lakeside MOU",
              "Open https://tracker.example/sign/abc to sign.", "<p>Open <a href='https://tracker.example/sign/abc'>the MOU</a></p>")
    mailbox.wait(1)
    message = mailbox.messages[0]
    assert message["Subject"] == "Please sign: Lakeside MOU"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert mailbox.envelopes[0][1] == ["ana@school.example", "ben@library.example"]
    assert "https://tracker.example/sign/abc" in mailbox.text(0)
    assert "the MOU</a>" in message.get_body(preferencelist=("html",)).get_content()


def test_without_a_server_sending_fails_loudly(app):
    saved = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # the discard port: nothing listens
    try:
        with pytest.raises((OSError, smtplib.SMTPException)):
            mail.send("ana@school.example", "Hello", "Hello")
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = saved


def test_the_console_backend_logs_instead_of_sending(app, mailbox, caplog):
    app.config["MAIL_BACKEND"] = "console"
    try:
        mail.send("ana@school.example", "Reminder", "Notice deadline on 1 March")
    finally:
        app.config["MAIL_BACKEND"] = "smtp"
    assert mailbox.messages == []
    assert "Notice deadline on 1 March" in caplog.text


def test_a_postbox_sends_many_messages_over_one_connection_and_reconnects_after_a_failure(app, mailbox, monkeypatch):
    opened = []
    real = smtplib.SMTP

    def counted(*args, **kwargs):
        opened.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(smtplib, "SMTP", counted)
    with mail.Postbox() as post:
        for n in range(3):
            post.send(f"reader{n}@school.example", f"Digest {n}", "Key dates")
        assert len(opened) == 1
        post._smtp.close()  # the server drops the connection
        with pytest.raises(smtplib.SMTPServerDisconnected):
            post.send("reader9@school.example", "Lost", "Key dates")
        post.send("reader3@school.example", "Digest 3", "Key dates")
    mailbox.wait(4)
    assert len(opened) == 2
    assert [m["Subject"] for m in mailbox.messages] == ["Digest 0", "Digest 1", "Digest 2", "Digest 3"]
