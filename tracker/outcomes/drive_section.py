"""Card use on a drive's page: the latest activity report's shares over the user's schools, and the way to the
card-use page (tracker/outcomes/views.py)."""
from tracker.cards.drive_sections import DriveSection, add_section
from tracker.outcomes import metrics, service


def load(drive, schools: frozenset[int] | None) -> dict:
    reports = service.snapshots(drive.id)
    latest = reports[-1] if reports else None
    total = metrics.summed(metrics.shown(latest.figures or [], schools)) if latest else None
    return {"latest": latest, "use": total, "use_shares": metrics.shares(total) if total else None,
            "months": metrics.MONTHS, "reports": len(reports)}


add_section(DriveSection("card-use", "outcomes/_drive_card_use.html", load))
