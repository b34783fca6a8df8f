"""PDFs fetch nothing but the app's static files, whatever the HTML asks for."""
import http.server
import io
import threading

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from tracker.printing import page_numbers, pdf_response, render_pdf

PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def web_server():
    """A real HTTP server that counts the requests it gets."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", hits
    server.shutdown()


def test_the_apps_print_stylesheet_applies_and_numbers_pages_in_the_readers_language(app):
    for language, words in (("en", "Page 1 of 1"), ("es", "Página 1 de 1")):
        with app.test_request_context(), force_locale(language):
            pdf = PdfReader(io.BytesIO(render_pdf(
                f'<link rel="stylesheet" href="/static/print.css">{page_numbers()}<h1>MOU</h1>')))
        box = pdf.pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # US letter, from print.css
        assert words in pdf.pages[0].extract_text()


def test_files_urls_and_attachments_are_never_fetched(app, web_server, caplog):
    base, hits = web_server
    hostile = f"""<link rel="stylesheet" href="{base}/evil.css">
      <link rel="attachment" href="file:///etc/passwd"><a rel="attachment" href="file:///etc/hostname">x</a>
      <img src="file:///etc/passwd"><img src="{base}/tracker.png"><img src="/static/../config/__init__.py">
      <style>@import url("{base}/import.css"); body {{ background: url("file:///etc/passwd") }}</style>
      <p>Signed</p><img src="{PIXEL}" alt="inline">"""
    with app.test_request_context():
        data = render_pdf(hostile)
    assert hits == []
    pdf = PdfReader(io.BytesIO(data))
    assert "Signed" in pdf.pages[0].extract_text()
    assert not pdf.attachments
    assert b"root:" not in data
    assert "/etc/passwd" in caplog.text  # the refusal is logged for the operator


def test_a_pdf_response_is_inline_with_a_safe_name(app):
    with app.test_request_context():
        response = pdf_response(b"%PDF-", 'MOU "North"/v2.pdf')
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="MOU -North--v2.pdf"'
