from datetime import date

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker.auth.access import requires, scope_ids
from tracker.dashboard import service

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def home():
    config, today = current_app.config, date.today()
    key = (current_user.id, today, current_user.time_zone, str(get_locale()), service.data_version())
    html = service.CACHE.get(key) if config["DASHBOARD_CACHE_SIZE"] else None
    if html is None:
        panels = service.overview(current_user, scope_ids(), today, config["REVIEW_AFTER_DAYS"])
        html = render_template("dashboard/_panels.html", panels=panels)
        if config["DASHBOARD_CACHE_SIZE"]:
            service.CACHE.put(key, html, config["DASHBOARD_CACHE_SIZE"])
    return render_template("dashboard/home.html", panels=Markup(html))
