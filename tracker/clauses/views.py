from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.auth.access import current_actor, requires
from tracker.clauses import service, variables
from tracker.clauses.forms import ClauseForm
from tracker.clauses.models import Clause
from tracker.extensions import db
from tracker.forms import submitted

bp = Blueprint("clauses", __name__, url_prefix="/clauses")


@bp.route("")
@requires("clause.view")
def index():
    return render_template("clauses/index.html", groups=service.by_category())


@bp.route("/new", methods=["GET", "POST"])
@requires("clause.edit")
def create():
    form = ClauseForm()
    return _save(form, None)


@bp.route("/<int:clause_id>/edit", methods=["GET", "POST"])
@requires("clause.edit")
def edit(clause_id: int):
    clause = db.session.get(Clause, clause_id) or abort(404)
    form = ClauseForm(obj=clause)
    if request.method == "GET":
        form.kinds.data = clause.kinds
    return _save(form, clause)


def _save(form, clause):
    outcome = submitted(form, lambda: service.create(current_actor(), form.clause_data()) if clause is None
                        else service.update(current_actor(), clause, form.clause_data()))
    if outcome.saved:
        flash(_("Clause saved."), "success")
        return redirect(url_for("clauses.index"), 303)
    return render_template("clauses/form.html", form=form, clause=clause, variables=variables.VARIABLES), outcome.status
