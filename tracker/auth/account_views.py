"""The Users pages: admins list, add and edit accounts and set passwords."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.auth import accounts, links, sessions
from tracker.auth.access import current_actor, requires
from tracker.auth.forms import AccountForm, AccountSearchForm, PasswordForm
from tracker.auth.models import User
from tracker.extensions import db
from tracker.forms import form_data, refusal, submitted
from tracker.htmx import render
from tracker.orgs import picker

bp = Blueprint("accounts", __name__, url_prefix="/users")


def get_user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _account_form(obj=None) -> AccountForm:
    form = AccountForm(obj=obj)
    if obj is not None and not form.is_submitted():
        form.organisation_ids.data = [o.id for o in obj.organisations]
    picker.attach(form.organisation_ids, multiple=True)
    return form


@bp.get("")
@requires("user.manage")
def index():
    form = AccountSearchForm(formdata=request.args, meta={"csrf": False})
    query = accounts.search(form.q.data or "", form.role.data, form.status.data, form.sort.data, form.dir.data)
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render("accounts/index.html", "accounts/_results.html", page=page, form=form)


@bp.route("/new", methods=["GET", "POST"])
@requires("user.manage")
def create():
    form = _account_form()
    outcome = submitted(form, lambda: accounts.create_account(current_actor(), form_data(form, form.FIELDS)))
    if outcome.saved:
        user = outcome.result
        flash(_("Invitation sent to %(email)s: %(name)s chooses a password through its link, then signs in.",
                name=user.name, email=user.email), "success")
        return redirect(url_for("accounts.edit", user_id=user.id), 303)
    return render_template("accounts/form.html", form=form, user=None), outcome.status


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@requires("user.manage")
def edit(user_id: int):
    user = get_user_or_404(user_id)
    form = _account_form(obj=user)
    outcome = submitted(form, lambda: accounts.update_account(current_actor(), user, form_data(form, form.FIELDS), current_user))
    if outcome.saved:
        flash(_("Saved %(name)s.", name=user.name), "success")
        return redirect(url_for("accounts.edit", user_id=user.id), 303)
    return _edit_page(user, form, PasswordForm(formdata=None), outcome.status)


@bp.post("/<int:user_id>/password")
@requires("user.manage")
def password(user_id: int):
    user = get_user_or_404(user_id)
    form = PasswordForm()
    outcome = submitted(form, lambda: accounts.set_password(
        current_actor(), user, form.password.data, keep_session=sessions.current_handle() if user.id == current_user.id else None))
    if outcome.saved:
        flash(_("New password set for %(name)s. Give it to them in person or by phone, not by email.", name=user.name), "success")
        return redirect(url_for("accounts.edit", user_id=user.id), 303)
    return _edit_page(user, _account_form(obj=user), form, outcome.status)


@bp.post("/<int:user_id>/invitation")
@requires("user.manage")
def invite(user_id: int):
    """Email the person a new invitation (the earlier link stops working)."""
    user = get_user_or_404(user_id)
    form = FlaskForm()
    outcome = submitted(form, lambda: links.resend_invitation(current_actor(), user))
    if outcome.saved:
        flash(_("A new invitation went to %(email)s; the earlier link no longer works.", email=user.email), "success")
    else:
        for message in refusal(form):
            flash(message, "error")
    return redirect(url_for("accounts.edit", user_id=user.id), 303)


def _edit_page(user, form, password_form, status):
    return render_template("accounts/form.html", form=form, user=user, password_form=password_form,
                           invitation=links.open_invitation(user), history=sentences.lines(audit.history("user", user.id), subjects=False)), status
