"""Patron export: the students a filter selects (never an opted-out or departed one), turned into the
ILS's file, recorded in the audit log with its SHA-256 and row count, the rows marked exported."""
import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import exists, select, update

from tracker import clock
from tracker.audit import service as audit
from tracker.cards.models import CardDrive, DriveCount, OptOut, Student
from tracker.cards.patron_formats import BUILDERS, POLARIS_BARCODE_MAX
from tracker.cards.programme import PatronRules
from tracker.extensions import db
from tracker.spreadsheets import csv_bytes
from tracker.validation import Invalid


@dataclass
class Filters:
    drive_id: int | None = None
    school_id: int | None = None
    grade: str = ""
    not_yet_exported: bool = False


@dataclass
class PatronFile:
    data: bytes
    filename: str
    rows: int
    sha256: str


EXPORTED_COLUMNS = (Student.id, Student.school_id, Student.source_id, Student.identifier, Student.given_name,
                    Student.middle_name, Student.family_name, Student.grade, Student.birth_date, Student.email,
                    Student.username, Student.exported_at)


def selected(agreement_id: int, filters: Filters):
    """Students to export (their columns, not ORM objects: exports can be large): active, not opted out,
    narrowed by drive, school, grade, not yet exported."""
    query = select(*EXPORTED_COLUMNS).where(
        Student.agreement_id == agreement_id, Student.active.is_(True),
        ~exists().where(OptOut.agreement_id == Student.agreement_id, OptOut.source_id == Student.source_id),
    )
    if filters.drive_id:
        query = query.where(exists().where(DriveCount.drive_id == filters.drive_id, DriveCount.school_id == Student.school_id,
                                           DriveCount.grade == Student.grade))
    if filters.school_id:
        query = query.where(Student.school_id == filters.school_id)
    if filters.grade:
        query = query.where(Student.grade == filters.grade)
    if filters.not_yet_exported:
        query = query.where(Student.exported_at.is_(None))
    return query.order_by(Student.school_id, Student.grade, Student.family_name, Student.given_name, Student.id)


def export(actor, programme, file_format: str, filters: Filters, today: date | None = None) -> PatronFile:
    if file_format not in BUILDERS:
        raise Invalid({"file_format": _("Unknown format.")})
    if filters.drive_id and db.session.scalar(select(CardDrive.agreement_id).where(CardDrive.id == filters.drive_id)) != programme.agreement_id:
        raise Invalid({"drive_id": _("Choose one of this agreement's drives.")})
    today = today or clock.today()
    students = db.session.execute(selected(programme.agreement_id, filters)).all()
    rules = PatronRules.of(programme, today)
    if file_format == "polaris":
        long = [code for code in map(rules.barcode, students) if len(code) > POLARIS_BARCODE_MAX]
        if long:
            raise Invalid({"file_format": _("Polaris barcodes have at most 20 characters; %(n)s would be longer (e.g. %(example)s). Shorten the barcode prefix.",
                                            n=len(long), example=long[0])})
    header, rows = BUILDERS[file_format](rules, students, today)
    data = csv_bytes(header, rows)
    digest = hashlib.sha256(data).hexdigest()
    now = datetime.utcnow()
    ids = [s.id for s in students]
    for start in range(0, len(ids), 5000):
        db.session.execute(update(Student).where(Student.id.in_(ids[start:start + 5000])).values(exported_at=now)
                           .execution_options(synchronize_session=False))
    filename = f"patrons-{file_format}-{today.isoformat()}.csv"
    audit.record(actor, "patrons.exported", "agreement", programme.agreement_id, {
        "format": [None, file_format], "rows": [None, len(rows)], "sha256": [None, digest], "file": [None, filename],
        "filters": [None, {k: v for k, v in filters.__dict__.items() if v}],
    })
    db.session.commit()
    return PatronFile(data, filename, len(rows), digest)
