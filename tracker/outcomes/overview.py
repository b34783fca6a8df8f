"""Card use in the annual report: per school, the latest activity report of each drive that started in the school
year (its figures kept at import, so they stay after the privacy purge), with a chart of the cards used."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker.cards.models import CardDrive
from tracker.extensions import db
from tracker.outcomes import metrics
from tracker.outcomes.models import ActivityReport
from tracker.outcomes.views import chart
from tracker.outcomes.workflow import COMMITTED
from tracker.reports.service import ReportSection, ReportSubject, add_section
from tracker.spreadsheets import Percent


def latest_reports(agreement_ids: list[int], start, end) -> list[tuple[CardDrive, ActivityReport]]:
    """Each drive that started between `start` and `end` with its latest committed report."""
    found = db.session.execute(
        select(CardDrive, ActivityReport).join(ActivityReport, ActivityReport.drive_id == CardDrive.id)
        .where(CardDrive.agreement_id.in_(agreement_ids), CardDrive.starts_on.between(start, end),
               ActivityReport.status == COMMITTED)
        .order_by(CardDrive.starts_on, CardDrive.id, ActivityReport.report_date, ActivityReport.id)).all()
    latest = {}
    for drive, report in found:
        latest[drive.id] = (drive, report)
    return list(latest.values())


def _card_use(subject: ReportSubject) -> dict:
    reports = latest_reports(subject.agreement_ids, subject.year.start, subject.year.end)
    rows = [row for _drive, report in reports for row in report.figures or []]
    schools = [{**r, "share": metrics.shares(r)} for r in sorted(metrics.by_school(rows), key=lambda r: r["school"])]
    total = metrics.summed(rows, school=_("All schools"))
    return {"report_dates": [report.report_date for _drive, report in reports], "schools": schools,
            "total": {**total, "share": metrics.shares(total)},
            "chart": chart(_("Share of cards used at least once per school"), schools) if schools else None,
            "months": metrics.MONTHS}


def header() -> list[str]:
    return [_("School"), _("Cards"), _("Used at least once"), _("Used (%)"), _("Active after 1 month (%)"),
            _("Active after 5 months (%)"), _("Active after 9 months (%)"), _("Active after 12 months (%)")]


def table_row(row: dict) -> list:
    shares = metrics.shares(row)
    return [row["school"], row["cards"], row["used"], Percent(shares["used"]), *(Percent(shares[n]) for n in metrics.MONTHS)]


def _card_use_tables(subject: ReportSubject, data: dict):
    rows = [table_row(r) for r in [*data["schools"], data["total"]]] if data["schools"] else []
    return [(str(_l("Library card use")), header(), rows)]


add_section(ReportSection("card_use", _l("Library card use"), "outcomes/_report_card_use.html", _card_use, _card_use_tables),
            before="resources")
