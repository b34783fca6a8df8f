"""Error pages inside the layout; the 500 handler rolls the session back."""
from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError
from werkzeug.serving import WSGIRequestHandler

from tracker import limits
from tracker.auth.sessions import signed_in_request
from tracker.extensions import db

MESSAGES = {
    400: lambda: (_("Bad request"), _("The request could not be understood.")),
    403: lambda: (_("Not allowed"), _("Your role does not allow this. Ask an administrator if you need it.")),
    404: lambda: (_("Not found"), _("There is nothing here, or it is not shared with you.")),
    405: lambda: (_("Not allowed"), _("That action is not available here.")),
    413: lambda: (_("File too large"), _("The upload is larger than this site accepts (%(mb)s MB).",
                                          mb=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024))),
    429: lambda: (_("Please wait"), _("Too many attempts. Please wait a moment and try again.")),
    500: lambda: (_("Something went wrong"), _("The error has been logged. Nothing was saved from this request.")),
}


def _page(status: int, detail: str | None = None, again: str | None = None):
    title, message = MESSAGES[status]()
    template = "errors/_message.html" if request.htmx else "errors/page.html"
    return render_template(template, title=title, message=detail or message, again=again), status


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # signing links carry their token in the path: never pass it on
}


def _server_names_no_version(handler) -> str:
    return "Partnership Tracker"


def register(app) -> None:
    # The Server header names no versions. gunicorn sends "gunicorn" alone; the development server (make run,
    # the browser tests) would send its and Python's version, so it says this instead.
    WSGIRequestHandler.version_string = _server_names_no_version
    @app.after_request
    def security_headers(response):
        """No inline scripts or styles, no framing, no sniffing: every page, error pages too. Nothing a signed-in
        person is shown is kept by a browser or proxy cache (student names), unless the view said otherwise (the
        sealed PDFs, whose bytes never change)."""
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.endpoint != "static" and signed_in_request() and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, lambda e, s=status: _page(s))

    @app.errorhandler(429)
    def too_many_attempts(error):
        """A limit of tracker/limits.py: the page and Retry-After say how long to wait; nothing waits here."""
        seconds = limits.seconds_to_wait(error)
        if seconds is None:
            return _page(429)
        rule = request.url_rule
        again = request.full_path.rstrip("?") if rule is not None and "GET" in (rule.methods or ()) else None
        body, status = _page(429, ngettext("Too many attempts. Try again in %(num)s second.",
                                           "Too many attempts. Try again in %(num)s seconds.", seconds), again)
        return body, status, {"Retry-After": str(seconds)}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        db.session.rollback()
        return _page(400, _("The form expired or did not come from this site (%(reason)s). Reload the page and try again.",
                             reason=error.description))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return _page(500)
