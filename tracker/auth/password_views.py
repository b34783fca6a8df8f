"""Passwords without an admin at hand: asking for a reset link, and setting a password through an emailed link
(a reset or an invitation). The routes join the auth blueprint."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from tracker import limits
from tracker.auth import links
from tracker.auth.access import current_actor, public
from tracker.auth.forms import ForgotPasswordForm, SetPasswordForm
from tracker.auth.views import bp
from tracker.forms import submitted
from tracker.validation import Invalid


@bp.route("/password/forgot", methods=["GET", "POST"])
@limits.page_limit("password-reset", methods=["POST"])
@limits.page_limit("password-reset-account", key=limits.by_email_typed, methods=["POST"])
@public
def forgot_password():
    if not current_app.config["PASSWORD_SIGN_IN"]:
        abort(404)  # no passwords here: people sign in with SSO
    form = ForgotPasswordForm()
    outcome = submitted(form, lambda: links.request_reset(current_actor(), form.email.data))
    if outcome.saved:
        flash(_("If %(email)s has an account, an email with a link to choose a new password is on its way. "
                "The link works once, within %(minutes)d minutes.", email=form.email.data,
                minutes=int(current_app.config["RESET_LINK_MINUTES"])), "info")
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/forgot.html", form=form), outcome.status


@bp.route("/password/<token>", methods=["GET", "POST"])
@limits.page_limit("account-link")
@public
def set_password(token: str):
    """Choose a password through an invitation or a reset link; a link that cannot be used says why."""
    try:
        link = links.open_link(token)
    except links.LinkRefused as refused:
        return render_template("auth/link_problem.html", message=refused.message), 410 if refused.gone else 404
    form = SetPasswordForm()

    def save():
        try:
            return links.use(current_actor(), token, form.password.data)
        except links.LinkRefused as refused:
            raise Invalid({"": refused.message}) from refused

    outcome = submitted(form, save)
    if outcome.saved:
        flash(_("Your password is set. Sign in with it."), "success")
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/set_password.html", form=form, link=link, invited=link.purpose == links.INVITATION), \
        outcome.status
