"""/audit: the audit log for admins (every other role is told it does not exist), filtered, paginated,
exported to CSV, with the state of its chain."""
from flask import Blueprint, current_app, request
from sqlalchemy import select

from tracker.audit import log, sentences
from tracker.audit.forms import AuditSearchForm
from tracker.auth.access import requires
from tracker.auth.models import User
from tracker.extensions import db
from tracker.htmx import render, wants_fragment
from tracker.scope.users import current_scope
from tracker.spreadsheets import csv_bytes, download

bp = Blueprint("audit_log", __name__, url_prefix="/audit")
EXPORT_LIMIT = 100_000  # rows in one CSV; narrow the filters for more


def _form(shown: bool = False) -> tuple[AuditSearchForm, log.Filters]:
    """The filters from the query string; `shown`: with the accounts to choose from, for the whole page (the results
    fragment and the export only read the chosen one)."""
    form = AuditSearchForm(formdata=request.args, meta={"csrf": False})
    if shown:
        form.set_choices(db.session.execute(select(User.id, User.name).order_by(User.name)))
    form.validate()  # nothing in it is an error: a date that is not one counts as not given
    filters = log.Filters(
        actor_id=form.chosen(form.who), kind=form.kind.data or "", agreement=form.typed(form.agreement),
        organisation=form.typed(form.organisation), since=form.since.data if not form.since.errors else None,
        until=form.until.data if not form.until.errors else None,
        time_zone=current_scope().time_zone or current_app.config["DEFAULT_TIME_ZONE"])
    return form, filters


@bp.get("")
@requires("audit.read", hidden=True)
def index():
    form, filters = _form(shown=not wants_fragment())
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
