"""The annual report: a printable page, a PDF, a CSV and an XLSX, per agreement and per organisation."""
import re
from datetime import date

from flask import Blueprint, abort, render_template, request

from tracker import printing, spreadsheets
from tracker.agreement_parts import get_agreement_or_404
from tracker.auth.access import requires, scope_ids
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.orgs.service import in_scope
from tracker.reports import service

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("html", "pdf", "csv", "xlsx")


def _year() -> service.SchoolYear:
    try:
        first = int(request.args.get("year", ""))
    except ValueError:
        return service.SchoolYear.containing(date.today())
    return service.SchoolYear(first) if 2000 <= first <= 2100 else service.SchoolYear.containing(date.today())


def _filename(subject: service.ReportSubject, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", subject.title).strip("-")[:60] or "report"
    return f"{slug}-annual-report-{subject.year.first}-{subject.year.first + 1}.{extension}"


def _respond(subject: service.ReportSubject, fmt: str):
    context = {"subject": subject, "sections": service.REPORT_SECTIONS, "years": range(subject.year.first - 3, subject.year.first + 2)}
    if fmt == "html":
        return render_template("reports/page.html", **context)
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
def agreement(agreement_id: int, fmt: str):
    found = get_agreement_or_404(agreement_id)
    if fmt not in FORMATS:
        abort(404)
    return _respond(service.for_agreement(found, _year()), fmt)


@bp.route("/organisations/<int:org_id>", defaults={"fmt": "html"})
@bp.route("/organisations/<int:org_id>.<fmt>")
@requires("report.view", scope="org")
def organisation(org_id: int, fmt: str):
    org = db.session.get(Organisation, org_id)
    if org is None or fmt not in FORMATS:
        abort(404)
    if not in_scope(org, scope_ids()):
        abort(403)
    return _respond(service.for_organisation(org, scope_ids(), _year()), fmt)
