"""/audit: the audit log for admins (every other role is told it does not exist), filtered, paginated,
exported to CSV, with the state of its chain."""
from flask import Blueprint, current_app, request
from sqlalchemy import String, cast, select

from tracker.agreements.models import Agreement
from tracker.audit import log, sentences
from tracker.audit.forms import AuditSearchForm
from tracker.audit.models import AuditEvent
from tracker.auth.access import requires
from tracker.auth.models import User
from tracker.extensions import db
from tracker.htmx import render, wants_fragment
from tracker.orgs.models import Organisation
from tracker.scope.users import current_scope
from tracker.spreadsheets import csv_bytes, download

bp = Blueprint("audit_log", __name__, url_prefix="/audit")
EXPORT_LIMIT = 100_000  # rows in one CSV; narrow the filters for more


def _form() -> tuple[AuditSearchForm, log.Filters]:
    form = AuditSearchForm(formdata=request.args, meta={"csrf": False})
    form.set_choices(
        db.session.scalars(select(User).order_by(User.name)),
        db.session.scalars(select(Agreement).order_by(Agreement.title)),
        # Only organisations the log speaks of: a statewide directory would make a list nobody can read.
        db.session.scalars(select(Organisation).where(cast(Organisation.id, String).in_(
            select(AuditEvent.entity_id).where(AuditEvent.entity_type == "organisation"))).order_by(Organisation.name)))
    form.validate()  # nothing in it is an error: a date that is not one counts as not given
    filters = log.Filters(
        actor_id=form.chosen(form.who), kind=form.kind.data or "", agreement_id=form.chosen(form.agreement),
        organisation_id=form.chosen(form.organisation), since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
        time_zone=current_scope().time_zone or current_app.config["DEFAULT_TIME_ZONE"])
    return form, filters


@bp.get("")
@requires("audit.read", hidden=True)
def index():
    form, filters = _form()
    page = db.paginate(log.search(filters), per_page=current_app.config["PER_PAGE"], error_out=False)
    chain = None if wants_fragment() else log.chain_state()
    return render("audit/index.html", "audit/_results.html", form=form, page=page,
                  lines=sentences.lines(page.items), chain=chain)


@bp.get("/export.csv")
@requires("audit.read", hidden=True)
def export():
    """Every row the filters pick (the page's rows, all its pages), as the page words them."""
    filters = _form()[1]
    events = db.session.scalars(log.search(filters).limit(EXPORT_LIMIT)).all()
    rows = [(line.event.at.isoformat() + "Z", line.who, line.did, line.subject, line.details)
            for line in sentences.lines(events)]
    return download(csv_bytes(["When (UTC)", "Who", "What", "Concerning", "Details"], rows), "audit-log.csv")
