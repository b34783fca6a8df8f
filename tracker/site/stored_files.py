"""Stored files served before the app's request machinery runs: a sealed PDF's download, and nothing it does not need.

A sealed PDF never changes, and a signed-in download of it needs three reads: the session with its user, the
parties' organisations for the user's relation to the agreement, and the stored file with its name and hash.
`StoredFiles`, a WSGI layer in front of the app, serves such a request with exactly those, skipping the page
machinery (request hooks, locale, CSRF, the session's write, templates):

- the URL is matched by the app's own URL map, and only views registered here with `@serves(endpoint)` are tried;
- the session is read by the session interface's own statement (`sessions.read`);
- the permission and the scope are checked by the view's own `@requires` (`access.admitted`), whose loaders give
  the registered answer the same arguments the view gets;
- the answer carries the same security headers as every page.

Whenever it is not the plain case, the request goes on to the app, which answers as it always has: no session, a
session whose "last seen" is due to be written, a refusal or "not found" (the app's page says so), a version not
sealed yet (the draft render, the wait for the seal), a database error (the app's 500 page, logged). So this layer
never answers anything the view would not have answered.
"""
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import ETags
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_cookie, parse_etags
from werkzeug.wrappers import Response

from tracker.auth import access, sessions
from tracker.scope.users import scope_of
from tracker.site.errors import SECURITY_HEADERS

# endpoint -> answer(the view's arguments as its @requires loads them, the ETags the browser holds) -> the response,
# or None to leave the request to the app.
ANSWERS: dict[str, Callable[[dict, ETags], Response | None]] = {}


def serves(endpoint: str):
    """Register a view's stored-file answer; the view itself should answer with it too, so both say the same."""

    def register(answer):
        ANSWERS[endpoint] = answer
        return answer

    return register


class StoredFiles:
    def __init__(self, app: Flask, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self._endings: tuple[str, ...] | None = None

    def __call__(self, environ, start_response):
        response = None
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and environ.get("PATH_INFO", "").endswith(self.endings()):
            response = self._answer(environ)
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def endings(self) -> tuple[str, ...]:
        """How the registered views' URLs end ("/pdf"): any other request goes straight on, without a URL match."""
        if self._endings is None:
            rules = [rule.rule for rule in self.app.url_map.iter_rules() if rule.endpoint in ANSWERS]
            self._endings = tuple({rule.rsplit(">", 1)[-1] for rule in rules if not rule.endswith(">")})
        return self._endings

    def _answer(self, environ) -> Response | None:
        try:
            endpoint, view_args = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return None
        answer = ANSWERS.get(endpoint)
        token = parse_cookie(environ).get(self.app.config["SESSION_COOKIE_NAME"], "") if answer else ""
        if not token:
            return None
        with self.app.app_context():
            try:
                response = self._served(endpoint, view_args, token, answer,
                                        parse_etags(environ.get("HTTP_IF_NONE_MATCH")))
            except (HTTPException, SQLAlchemyError):
                return None
        if response is not None:
            for name, value in SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    def _served(self, endpoint: str, view_args: dict, token: str, answer, held: ETags) -> Response | None:
        session = sessions.read(token, objects=False)
        if session is None or session.user is None or session.get("_user_id") != str(session.user.id) \
                or sessions.due_a_touch(self.app, session):
            return None
        args = access.admitted(self.app.view_functions[endpoint], view_args, scope_of(session.user))
        return answer(args, held)
