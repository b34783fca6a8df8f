from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker import clock
from tracker.auth.access import requires
from tracker.dashboard import service
from tracker.scope.users import current_scope

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@requires("dashboard.view")
def home():
    config, today = current_app.config, clock.today()
    # One entry per user and language, good while the data, the day and what the user sees are as they were.
    key, version = (current_user.id, str(get_locale())), (service.data_version(), today, current_user.access_version)
    kept = service.CACHE.get(key) if config["DASHBOARD_CACHE_SIZE"] else None
    html = kept[1] if kept is not None and kept[0] == version else None
    if html is None:
        panels = service.overview(current_user, current_scope(), today, config["REVIEW_AFTER_DAYS"])
        html = render_template("dashboard/_panels.html", panels=panels)
        if config["DASHBOARD_CACHE_SIZE"]:
            service.CACHE.put(key, (version, html), config["DASHBOARD_CACHE_SIZE"])
    return render_template("dashboard/home.html", panels=Markup(html))
