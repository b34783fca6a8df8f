from flask import Blueprint, jsonify
from sqlalchemy import text

from tracker.auth.access import public
from tracker.extensions import db

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
