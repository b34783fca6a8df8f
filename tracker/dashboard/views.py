from flask import Blueprint, current_app, render_template
from flask_login import current_user

from tracker import clock
from tracker.auth.access import requires
from tracker.dashboard import service
from tracker.scope.users import current_scope

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def home():
    panels = service.overview(current_user, current_scope(), clock.today(), current_app.config["REVIEW_AFTER_DAYS"])
    return render_template("dashboard/home.html", panels=panels)
