"""Card use on a drive's page: the latest activity report's shares over the user's schools, and the way to the
card-use page (tracker/outcomes/views.py)."""
from tracker.cards.drive_sections import DriveSection, add_section
from tracker.outcomes import metrics, service
from tracker.outcomes.views import report_chart


def load(drive, schools: frozenset[int] | None) -> dict:
    reports = service.snapshots(drive.id)
    latest = reports[-1] if reports else None
    rows = metrics.shown(latest.figures or [], schools) if latest else []
    total = metrics.summed(rows) if latest else None
    return {"latest": latest, "use": total, "use_shares": metrics.shares(total) if total else None,
            "months": metrics.MONTHS, "reports": len(reports),
            "use_chart": report_chart(latest, metrics.by_school(rows)) if latest and (schools is None or len(schools) > 1) else None}


add_section(DriveSection("card-use", "outcomes/_drive_card_use.html", load))
