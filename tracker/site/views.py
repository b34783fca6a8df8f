from datetime import timedelta

from flask import Blueprint, current_app, flash, jsonify, redirect, url_for
from flask_login import current_user
from sqlalchemy import text

from tracker import languages, outward
from tracker.auth import accounts
from tracker.auth.access import current_actor, public
from tracker.auth.forms import LanguageForm
from tracker.extensions import db
from tracker.forms import submitted
from tracker.limits import page_limit

bp = Blueprint("site", __name__)


@bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception as exc:  # the point is to report it, not to raise
        db.session.rollback()
        database = f"error: {type(exc).__name__}"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "degraded", database=database), 200 if healthy else 503


@bp.post("/language")
@page_limit("language")
@public
def choose_language():
    """Anyone's language switch (the footer's buttons, /profile): a cookie for the browser, and for someone signed in
    their account's choice too, which their emails follow. Back to the page it was chosen on."""
    form = LanguageForm()
    back = outward.back_to(form.next.data, url_for("dashboard.home"))
    signed_in = current_user.is_authenticated
    outcome = submitted(form, lambda: accounts.choose_language(current_actor(), current_user, form.language.data)
                        if signed_in else languages.chosen(form.language.data))
    if not outcome.saved:  # the switch is on another page: its message goes there
        flash(" ".join(str(m) for messages in form.errors.values() for m in messages), "error")
        return redirect(back, 303)
    response = redirect(back, 303)
    if form.language.data:
        response.set_cookie(languages.COOKIE, form.language.data, max_age=int(timedelta(days=365).total_seconds()),
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    else:
        response.delete_cookie(languages.COOKIE)
    return response
