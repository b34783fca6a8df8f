"""The drive's card-use page: the latest activity report's figures per school and grade, the trend across reports,
and (card.manage) the import: upload -> preview (?report=<id>) -> commit or discard."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker import charts, clock, formats
from tracker.agreements import parts
from tracker.auth.access import can, current_actor, requires
from tracker.extensions import db
from tracker.forms import int_or_none, refusal, submitted
from tracker.outcomes import metrics, service
from tracker.outcomes.forms import ActivityUploadForm, ReportStepForm
from tracker.outcomes.models import ActivityReport
from tracker.scope.loading import current_access
from tracker.validation import Invalid

bp = Blueprint("outcomes", __name__)
CARD_USE = "/agreements/<int:agreement_id>/drives/<int:drive_id>/card-use"


def _upload_form(agreement_id: int, formdata=None) -> ActivityUploadForm:
    if formdata is not None:
        return ActivityUploadForm()
    form = ActivityUploadForm(formdata=None, report_date=clock.today())
    for name, column in service.mapping_of(agreement_id).items():
        if name in form.MAPPED:
            getattr(form, form.MAPPED[name]).data = column
    return form


def chart(title: str, rows: list[dict]) -> charts.Bars | None:
    """A bar per school: the share of its cards used at least once."""
    items = []
    for r in rows:
        used = metrics.shares(r)["used"]
        items.append(charts.Bar(r["school"], formats.percent(used), [(used or 0, "main")]))
    return charts.bars(title, items, top=100, key=[("main", _("Used at least once"))]) if items else None


def report_chart(report: ActivityReport, by_school: list[dict]) -> charts.Bars | None:
    """The chart of one report's schools (`metrics.by_school` of its rows)."""
    return chart(_("Share of cards used at least once per school, by the report of %(day)s",
                   day=formats.long_date(report.report_date)), by_school)


def trend(reports: list[ActivityReport], schools) -> list[dict]:
    """Each snapshot's totals over the schools the user works on."""
    return [{"report": r, **metrics.summed(metrics.shown(r.figures or [], schools))} for r in reports]


def _page(agreement, drive, form=None, status: int = 200, preview: ActivityReport | None = None, step_form=None):
    schools = current_access().schools
    reports = service.snapshots(drive.id)
    latest = reports[-1] if reports else None
    rows = metrics.shown(latest.figures or [], schools) if latest else []
    by_school = metrics.by_school(rows)
    manage = can("card.manage")
    return parts.page("outcomes/card_use.html", agreement, "drives", status, drive=drive, latest=latest, rows=rows,
                      by_school=by_school, total=metrics.summed(rows), chart=report_chart(latest, by_school) if latest else None,
                      trend=trend(reports, schools), own_only=schools is not None, months=metrics.MONTHS,
                      shares=metrics.shares, form=(form or _upload_form(agreement.id)) if manage else None,
                      preview=preview, step_form=step_form or ReportStepForm(formdata=None))


@bp.route(CARD_USE)
@requires("card.view", scope="agreement")
def card_use(agreement, drive):
    """The figures; with ?report=<id> (card.manage) a preview waiting to be committed."""
    wanted = int_or_none(request.args.get("report"))
    preview = None
    if wanted is not None and can("card.manage"):
        found = db.session.scalar(select(ActivityReport).where(ActivityReport.id == wanted,
                                                               ActivityReport.drive_id == drive.id))
        preview = found if found is not None and found.is_previewed else None
    return _page(agreement, drive, preview=preview)


@bp.route(CARD_USE, methods=["POST"])
@requires("card.manage", scope="agreement")
def upload(agreement, drive):
    form = _upload_form(agreement.id, request.form)

    def read():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            raise Invalid({"file": _("Choose the activity report file.")})
        return service.preview(current_actor(), drive, upload.filename, upload.read(), form.source_kind.data,
                               form.report_date.data, form.mapping(), current_user.id)

    outcome = submitted(form, read)
    if outcome.saved:
        return redirect(url_for("outcomes.card_use", agreement_id=agreement.id, drive_id=drive.id,
                                report=outcome.result.id) + "#preview", 303)
    return _page(agreement, drive, form, outcome.status)


def _step(agreement, drive, step, done):
    """Commit or discard a preview (`step(actor, drive, report_id)`): back to the page with `done(what step returned)`,
    or with why not."""
    form = ReportStepForm()
    outcome = submitted(form, lambda: step(current_actor(), drive, form.report_id.data))
    if not outcome.saved:
        for problem in refusal(form):
            flash(problem, "error")
        return _page(agreement, drive, status=outcome.status)
    flash(done(outcome.result), "success")
    return redirect(url_for("outcomes.card_use", agreement_id=agreement.id, drive_id=drive.id), 303)


@bp.route(CARD_USE + "/commit", methods=["POST"])
@requires("card.manage", scope="agreement")
def commit(agreement, drive):
    return _step(agreement, drive, service.commit, lambda report: _(
        "Activity report of %(day)s saved: %(matched)s cards matched, %(unknown)s unknown card numbers left out.",
        day=formats.long_date(report.report_date), matched=report.rows_matched, unknown=report.unknown_count))


@bp.route(CARD_USE + "/discard", methods=["POST"])
@requires("card.manage", scope="agreement")
def discard(agreement, drive):
    return _step(agreement, drive, service.discard, lambda _nothing: _("Activity report discarded; nothing was written."))
