"""/family: a family answers the letter home, with no account. Made for phones first.

GET /family asks for the code; /family/<code> (the QR code's address) shows what the code may show and the
answers the programme offers; POST /family/<code> records one. Every request counts against the family-code
rate limit per address (tracker/limits.py), right code or wrong.
"""
from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from tracker.auth.access import current_actor, public
from tracker.families import answers, choices
from tracker.families.forms import AnswerForm, CodeForm
from tracker.limits import page_limit
from tracker.validation import Invalid, apply_errors

bp = Blueprint("families", __name__)


@bp.after_request
def kept_by_no_one(response):
    """A family's page names a child and carries the code in its address: no browser or proxy keeps it, and no
    search engine lists it (Referrer-Policy: no-referrer is every page's already)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.route("/family", methods=["GET", "POST"])
@page_limit("family-code")
@public
def start():
    form = CodeForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        found = answers.look_up(form.code.data) if form.validate_on_submit() else None
        if found is not None:
            return redirect(url_for("families.arrive", code=found[1].code), 303)
        form.code.errors = [answers.unknown_code()]  # a missing CSRF token is refused before (400)
        return render_template("families/start.html", form=form, back_here=url_for("families.start")), 422
    return render_template("families/start.html", form=form)


@bp.route("/family/<code>", methods=["GET", "POST"])
@page_limit("family-code")
@public
def arrive(code: str):
    answer_form = AnswerForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if not answer_form.validate_on_submit():
                raise Invalid({"choice": _("The form was incomplete; reload the page.")})
            answers.answer(current_actor(), code, request.form.get("choice", ""), str(get_locale()))
            return redirect(url_for("families.arrive", code=code, answered=1), 303)
        except Invalid as exc:
            if "code" in exc.errors:
                return _unknown(code)
            apply_errors(answer_form, exc)
            return _page(code, answer_form, 422)
    return _page(code, answer_form)


def _page(code: str, answer_form, status: int = 200):
    found = answers.look_up(code)
    if found is None:
        return _unknown(code)
    letter = found[1]
    return render_template("families/answer.html", letter=letter, form=answer_form, CHOICES=choices.CHOICES,
                           ANSWERED=choices.ANSWERED, just_answered=bool(request.args.get("answered")),
                           errors=answer_form.form_errors, back_here=url_for("families.arrive", code=letter.code)), status


def _unknown(code: str):
    form = CodeForm(formdata=None, code=code[:40])
    form.code.errors = [answers.unknown_code()]
    return render_template("families/start.html", form=form, back_here=url_for("families.start")), 404
