"""The profile page: the signed-in person's own account, built from sections that packages register,
as the dashboard is built from panels. Registered here: the account and its open sessions; the calendar
package adds reminders and the calendar feed (tracker/calendar/views.py)."""
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from tracker.auth import accounts, sessions
from tracker.auth.forms import ChangePasswordForm, LanguageForm
from tracker.auth.access import current_actor, requires
from tracker.forms import submitted
from tracker.registry import Registry

bp = Blueprint("profile", __name__, url_prefix="/profile")


@dataclass(frozen=True)
class ProfileSection:
    key: str
    template: str  # included on /profile with `d`, what load() returned
    load: Callable[[object], dict]  # (the signed-in user) -> the template's context


SECTIONS: Registry = Registry()


def add_section(section: ProfileSection, before: str | None = None) -> None:
    SECTIONS.add(section, before)


@bp.get("")
@requires("profile.edit")
def page():
    shown = [(s, s.load(current_user)) for s in SECTIONS]
    return render_template("profile/page.html", sections=shown, form=FlaskForm())


@bp.post("/sessions/end")
@requires("profile.edit")
def end_session():
    """End one of one's own sessions (another browser, or this one)."""
    handle = request.form.get("session", "")
    outcome = submitted(FlaskForm(), lambda: sessions.end(current_actor(), current_user.id, handle))
    if not (outcome.saved and outcome.result):
        flash(_("That session had already ended."), "info")
    elif handle == sessions.current_handle():
        sessions.finish()
        flash(_("You are signed out."), "info")
        return redirect(url_for("auth.login"), 303)
    else:
        flash(_("The session was ended: that browser is signed out."), "success")
    return redirect(url_for("profile.page") + "#sessions", 303)


@bp.post("/sessions/end-others")
@requires("profile.edit")
def end_other_sessions():
    sessions.end_others(current_actor(), current_user.id, keep=sessions.current_handle())
    flash(_("You are signed out everywhere else."), "success")
    return redirect(url_for("profile.page") + "#sessions", 303)


@bp.post("/password")
@requires("profile.edit")
def change_password():
    """Change one's own password: the current one is required; every other session ends."""
    form = ChangePasswordForm()
    outcome = submitted(form, lambda: accounts.change_own_password(
        current_actor(), current_user, form.current_password.data, form.new_password.data, sessions.current_handle()))
    if outcome.saved:
        flash(_("Your password is changed. Every other browser where you were signed in is signed out."), "success")
        return redirect(url_for("profile.page") + "#password", 303)
    shown = [(s, {"form": form} if s.key == "password" else s.load(current_user)) for s in SECTIONS]
    return render_template("profile/page.html", sections=shown, form=FlaskForm()), outcome.status


add_section(ProfileSection("account", "profile/_account.html", lambda user: {}))
add_section(ProfileSection("language", "profile/_language.html", lambda user: {
    "form": LanguageForm(formdata=None, language=user.language or "", next=url_for("profile.page") + "#reading-language")}))
add_section(ProfileSection("password", "profile/_password.html", lambda user: {"form": ChangePasswordForm(formdata=None)}))
add_section(ProfileSection("sessions", "profile/_sessions.html", lambda user: {"sessions": sessions.open_sessions(user.id)}))
