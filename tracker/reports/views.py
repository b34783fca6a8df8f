"""The annual report: a printable page, a PDF, a CSV and an XLSX, per agreement and per organisation."""
import re

from flask import Blueprint, abort, render_template, request

from tracker import clock, printing, spreadsheets
from tracker.auth.access import requires
from tracker.reports import service
from tracker.reports.forms import ReportYearForm
from tracker.scope.users import current_scope

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("html", "pdf", "csv", "xlsx")


def _year(form: ReportYearForm) -> service.SchoolYear:
    return service.SchoolYear(form.year.data) if form.year.data else service.SchoolYear.containing(clock.today())


def _filename(subject: service.ReportSubject, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", subject.title).strip("-")[:60] or "report"
    return f"{slug}-annual-report-{subject.year.first}-{subject.year.first + 1}.{extension}"


def _respond(subject: service.ReportSubject, fmt: str, form: ReportYearForm):
    context = {"subject": subject, "sections": service.REPORT_SECTIONS}
    if fmt == "html":
        form.year.choices = [(y, f"{y}–{(y + 1) % 100:02d}") for y in range(subject.year.first - 3, subject.year.first + 2)]
        form.year.data = subject.year.first
        return render_template("reports/page.html", form=form, **context)
    if fmt == "pdf":
        return printing.pdf_response(printing.render_template_pdf("reports/print.html", **context), _filename(subject, "pdf"))
    if fmt == "csv":
        header, rows = service.csv_rows(subject)
        return spreadsheets.download(spreadsheets.csv_bytes(header, rows), _filename(subject, "csv"))
    if fmt == "xlsx":
        return spreadsheets.download(spreadsheets.xlsx_bytes(service.tables(subject)), _filename(subject, "xlsx"))
    abort(404)


@bp.route("/agreements/<int:agreement_id>", defaults={"fmt": "html"})
@bp.route("/agreements/<int:agreement_id>.<fmt>")
@requires("report.view", scope="agreement")
def agreement(agreement, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    form = ReportYearForm(formdata=request.args, meta={"csrf": False})
    return _respond(service.for_agreement(agreement, _year(form)), fmt, form)


@bp.route("/organisations/<int:org_id>", defaults={"fmt": "html"})
@bp.route("/organisations/<int:org_id>.<fmt>")
@requires("report.view", scope="organisation")
def organisation(organisation, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    form = ReportYearForm(formdata=request.args, meta={"csrf": False})
    return _respond(service.for_organisation(organisation, current_scope(), _year(form)), fmt, form)
