from datetime import date

from flask import Blueprint, current_app, render_template

from tracker.auth.access import requires, scope_ids
from tracker.dashboard import service

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def home():
    panels = service.overview(scope_ids(), date.today(), current_app.config["REVIEW_AFTER_DAYS"])
    return render_template("dashboard/home.html", panels=panels)
