"""/users/sign-up-domains: admins allow the people of an email domain to ask for an account by signing in with
single sign-on. The routes join the accounts blueprint."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tracker.auth import signup_domains
from tracker.auth.access import current_actor, requires
from tracker.auth.account_views import bp
from tracker.auth.models import SignupDomain
from tracker.extensions import db
from tracker.forms import refusal, strip, submitted


class DomainForm(FlaskForm):
    domain = StringField(_l("Email domain"), validators=[DataRequired(), Length(max=253)], filters=[strip],
                         description=_l("Everyone with a verified address in it may ask for an account by signing in "
                                       "with single sign-on; an admin approves each one."))


class RemoveForm(FlaskForm):
    """A one-button POST: its CSRF token."""


def _page(form, status=200):
    return render_template("accounts/signup_domains.html", form=form, domains=signup_domains.listed(),
                           from_setting=signup_domains.from_setting(), remove_form=RemoveForm(formdata=None)), status


@bp.route("/sign-up-domains", methods=["GET", "POST"])
@requires("user.manage")
def signup_domain_list():
    form = DomainForm()
    outcome = submitted(form, lambda: signup_domains.add(current_actor(), form.domain.data))
    if outcome.saved:
        flash(_("People from %(domain)s may now ask for an account with single sign-on.", domain=outcome.result.domain),
              "success")
        return redirect(url_for("accounts.signup_domain_list"), 303)
    return _page(form, outcome.status)


@bp.route("/sign-up-domains/<int:domain_id>/remove", methods=["POST"])
@requires("user.manage")
def remove_signup_domain(domain_id: int):
    row = db.session.get(SignupDomain, domain_id) or abort(404)
    form = RemoveForm()
    domain = row.domain
    outcome = submitted(form, lambda: signup_domains.remove(current_actor(), row))
    if outcome.saved:
        flash(_("People from %(domain)s can no longer ask for an account by signing in.", domain=domain), "success")
    else:
        for message in refusal(form):
            flash(message, "error")
    return redirect(url_for("accounts.signup_domain_list"), 303)
