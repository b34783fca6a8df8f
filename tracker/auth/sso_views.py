"""Signing in with a single sign-on provider (tracker/auth/sso.py); the routes join the auth blueprint."""
from authlib.common.errors import AuthlibBaseError
from flask import abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from joserfc.errors import JoseError
from requests import RequestException

from tracker import outward
from tracker.auth import sessions, sso
from tracker.auth.access import current_actor, public
from tracker.auth.forms import LoginForm
from tracker.auth.views import bp


def _callback_url(key: str) -> str:
    """Where the provider sends the browser back: built from the one public base URL."""
    return outward.link("auth.sso_callback", key=key)


@bp.get("/login/sso/<key>")
@public
def sso_start(key: str):
    found = sso.provider(key) or abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    try:
        return sso.client(found).authorize_redirect(_callback_url(key))
    except (AuthlibBaseError, RequestException, ValueError) as error:  # the provider cannot be reached or read
        current_app.logger.warning("SSO with %s could not start: %s", key, error)
        return _refused(_("%(provider)s cannot be reached just now. Try again in a moment.", provider=found.label), 503)


@bp.get("/login/sso/<key>/callback")
@public
def sso_callback(key: str):
    found = sso.provider(key) or abort(404)
    client = sso.client(found)
    try:
        metadata = client.load_server_metadata()
        token = client.authorize_access_token(claims_options=sso.issuer_options(found, metadata))
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise sso.Refused(_("The sign-in service sent no identity."))
        user = sso.sign_in(current_actor(), found, claims)
    except sso.Refused as refused:
        return _refused(refused.message, 200 if refused.waiting else 403, waiting=refused.waiting)
    except (AuthlibBaseError, JoseError, RequestException) as error:
        current_app.logger.warning("SSO sign-in with %s refused: %s", key, error)
        return _refused(_("The sign-in with %(provider)s could not be checked (it may have expired, been used "
                          "twice or come from another browser). Nobody was signed in; try again.", provider=found.label), 400)
    login_user(user)
    sessions.start(remember=False)
    return redirect(url_for("dashboard.home"), 303)


def _refused(message: str, status: int, waiting: bool = False):
    return render_template("auth/login.html", form=LoginForm(formdata=None), sso_message=message, sso_waiting=waiting,
                           providers=sso.providers()), status
