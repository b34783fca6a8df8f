"""The demo's card use: two Koha activity reports of the September drive's cards issued so far (a month apart),
imported through the same preview and commit as a real one, so the drive shows its cards used and the trend."""
import random
from datetime import date, timedelta

from sqlalchemy import select

from tracker.cards.models import CardDrive, Student
from tracker.extensions import db
from tracker.outcomes import service


def koha_report(drive: CardDrive, on: date, rng: random.Random) -> bytes:
    """A Koha report as a saved SQL report downloads it: cardnumber, dateenrolled, lastseen, checkouts."""
    issued = db.session.scalars(select(Student.identifier).where(
        Student.agreement_id == drive.agreement_id, Student.card_status == "issued").order_by(Student.id))
    enrolled = drive.starts_on + timedelta(days=14)  # cards reach the students about two weeks in
    lines = ["cardnumber,categorycode,dateenrolled,lastseen,checkouts"]
    for identifier in issued:
        days = (on - enrolled).days
        if rng.random() < 0.35 or days <= 0:  # never used yet
            lines.append(f"2100{identifier},STUDENT,{enrolled.isoformat()},,0")
            continue
        seen = enrolled + timedelta(days=rng.randint(0, days))
        lines.append(f"2100{identifier},STUDENT,{enrolled.isoformat()},{seen.isoformat()} 15:{rng.randint(10, 59)}:00,"
                     f"{rng.randint(1, 14)}")
    return ("\n".join(lines) + "\n").encode()


def seed(actor, drive: CardDrive, today: date) -> None:
    rng = random.Random(17)
    for on in (today - timedelta(days=33), today - timedelta(days=2)):
        if on <= drive.starts_on + timedelta(days=14):
            continue
        report = service.preview(actor, drive, f"koha-card-activity-{on.isoformat()}.csv", koha_report(drive, on, rng),
                                 "koha", on)
        service.commit(actor, drive, report.id)
