from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from tracker import outward
from tracker.auth import service, sessions, sso
from tracker.auth.access import current_actor, public, requires
from tracker.auth.forms import LoginForm
from tracker.extensions import login_manager
from tracker.forms import submitted
from tracker.validation import Invalid

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, read with the session's row (tracker/auth/sessions.py); a deactivated account is
    signed out at its next request."""
    return sessions.signed_in_user(user_id)


@login_manager.unauthorized_handler
def unauthorized():
    if request.htmx:
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = url_for("auth.login")
        return response
    message = _("Please sign in to see that page.")
    if (("info", message)) not in session.get("_flashes", []):  # once, however many pages are refused
        flash(message, "info")
    return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if request.method == "POST" and not current_app.config["PASSWORD_SIGN_IN"]:
        abort(404)  # this deployment signs people in only with SSO

    def sign_in():
        # While the account or the address must wait, this raises the 429 page with the seconds left.
        user = service.authenticate(current_actor(), form.email.data, form.password.data)
        if user is None:  # the failed attempt is recorded and committed: it slows the next one down
            raise Invalid({"": _("That email and password do not match an active account.")})
        login_user(user)
        sessions.start(remember=form.remember.data)

    outcome = submitted(form, sign_in)
    if outcome.saved:
        return redirect(outward.back_to(request.args.get("next"), url_for("dashboard.home")), 303)
    return render_template("auth/login.html", form=form, providers=sso.providers()), outcome.status


@bp.route("/logout", methods=["POST"])
@requires("dashboard.view")
def logout():
    service.sign_out(current_actor(), current_user)
    logout_user()
    sessions.finish()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"), 303)
