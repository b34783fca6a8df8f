"""Importing an ILS activity report for a drive: read it (tracker/outcomes/reports.py), match each row on the card
number the card programme builds for the drive's students, check it, keep a preview; the commit writes the card rows
and the snapshot's figures in one transaction.

Refused, with the reason, and never imported: card numbers no student of the drive has (counted, the first 20 listed),
a card number on more than one row (each line listed), a date after the report's date or one that cannot be read, a
count that is not a whole number. A whole file is refused (FileProblem, nothing kept) when it is empty, not a CSV, or
lacks the card number or last activity column.
"""
import json
from collections import Counter
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, exists, func, insert, select, update

from tracker import clock
from tracker.audit import service as audit
from tracker.cards import privacy, programme
from tracker.cards.models import CardDrive, DriveCount, Student
from tracker.cards.rosterfile import FileProblem
from tracker.extensions import db
from tracker.outcomes import metrics, reports
from tracker.outcomes.models import ActivityMapping, ActivityReport, CardActivity
from tracker.outcomes.workflow import ACTIVITY_REPORT, COMMITTED, DISCARDED, PREVIEWED
from tracker.validation import Invalid

SHOWN_UNKNOWN = 20  # unknown card numbers listed in the preview
SHOWN_PROBLEMS = 200  # refused rows listed in the preview
STAGED_DAYS = 7  # a preview nobody committed is dropped after this many days


class DriveStudents:
    """The drive's students as columns (those of its schools and grades, leavers too: their cards were issued)."""

    def __init__(self, drive: CardDrive):
        rows = db.session.execute(
            select(Student.school_id, Student.grade, Student.source_id, Student.identifier, Student.exported_at)
            .where(Student.agreement_id == drive.agreement_id,
                   exists().where(DriveCount.drive_id == drive.id, DriveCount.school_id == Student.school_id,
                                  DriveCount.grade == Student.grade))).all()
        self.school_id = [r.school_id for r in rows]
        self.grade = [r.grade for r in rows]
        self.source_id = [r.source_id for r in rows]
        self.identifier = [r.identifier for r in rows]
        self.exported_on = [r.exported_at.date() if r.exported_at else None for r in rows]


def mapping_of(agreement_id: int) -> dict:
    row = db.session.scalar(select(ActivityMapping).where(ActivityMapping.agreement_id == agreement_id))
    return dict(row.mapping) if row else {}


def preview(actor, drive: CardDrive, filename: str, data: bytes, kind: str, report_date: date | None,
            mapping: dict | None = None, user_id: int | None = None) -> ActivityReport:
    """Read, match and check a report; keep what the commit would write (card numbers, dates, counts) on a preview."""
    today = clock.today()
    if report_date is None:
        raise Invalid({"report_date": _("Give the date the report was made.")})
    if report_date > today:
        raise Invalid({"report_date": _("The report's date cannot be in the future.")})
    card_programme = programme.programme_of(drive.agreement_id)
    if card_programme is None:
        raise Invalid({"file": _("Set up the card programme first: its barcode rule makes the card numbers matched.")})
    filename = (filename or _("The file"))[:255]
    given = {f: (v or "").strip() for f, v in (mapping or {}).items() if (v or "").strip()}
    try:
        found = reports.read(data, filename, kind, given or mapping_of(drive.agreement_id))
    except FileProblem as problem:
        raise Invalid({"file": str(problem)}) from None
    students = DriveStudents(drive)
    rules = programme.PatronRules.of(card_programme, drive)
    by_barcode = {b.strip(): i for i, b in enumerate(rules.barcodes(students)) if b.strip()}
    checked = _check(found, by_barcode, report_date)
    if not checked["known"]:
        raise Invalid({"file": _("None of the %(count)s card numbers in %(file)s is the card of a student of this drive "
                                 "(for example %(examples)s). Cards are matched on the card programme's barcode rule, "
                                 "e.g. %(ours)s.", count=checked["unknown_count"], file=filename,
                                 examples=", ".join(checked["unknown"][:3]) or "—",
                                 ours=next(iter(by_barcode), "—"))})
    _drop_stale(drive.agreement_id)
    fallback = drive.starts_on or drive.ends_on
    kept = checked["kept"]
    issued = [found.issued[i] or students.exported_on[by_barcode[found.barcodes[i]]] or fallback for i in kept]
    last = [found.last_activity[i] for i in kept]
    borrowed = [found.checkouts[i] for i in kept]
    names = {s.id: s.name for s in programme.schools_of(drive.agreement_id)}
    groups = [(school, names.get(school, ""), grade) for school, grade in
              ((students.school_id[j], students.grade[j]) for j in (by_barcode[found.barcodes[i]] for i in kept))]
    staged = [[found.barcodes[i], day.isoformat(), seen.isoformat() if seen else None, count]
              for i, day, seen, count in zip(kept, issued, last, borrowed)]
    report = ActivityReport(
        agreement_id=drive.agreement_id, drive_id=drive.id, report_date=report_date, source_kind=found.kind,
        filename=filename, status=PREVIEWED, rows_read=found.rows_read, rows_matched=len(kept),
        unknown_count=checked["unknown_count"], refused_count=checked["refused_count"],
        summary={"unknown": checked["unknown"], "problems": checked["problems"],
                 "problem_count": checked["problem_count"], "empty_rows": found.empty_rows,
                 "columns": found.columns, "issued_from_report": "issued" in found.columns,
                 "has_checkouts": "checkouts" in found.columns},
        figures=metrics.figures(groups, issued, last, borrowed, report_date), staged=json.dumps(staged),
        created_by_id=user_id)
    db.session.add(report)
    db.session.commit()
    return report


def _check(found: reports.Read, by_barcode: dict, report_date: date) -> dict:
    """Which rows are kept, which are refused (and why, by line), which card numbers are unknown."""
    problems, refused, unknown, unknown_count, known = [], set(), [], 0, 0
    columns = found.columns
    repeated = Counter(b for b in found.barcodes if b in by_barcode)
    lines_of: dict[str, list[int]] = {}
    for i, barcode in enumerate(found.barcodes):
        if repeated.get(barcode, 0) > 1:
            lines_of.setdefault(barcode, []).append(found.lines[i])

    def refuse(i: int, column: str, message: str) -> None:
        refused.add(i)
        problems.append({"line": found.lines[i], "column": column, "message": message})

    for i, barcode in enumerate(found.barcodes):
        if not barcode:
            refuse(i, columns["barcode"], _("The card number is empty."))
            continue
        if barcode not in by_barcode:
            unknown_count += 1
            if len(unknown) < SHOWN_UNKNOWN:
                unknown.append(barcode)
            continue
        known += 1
        if barcode in lines_of:
            refuse(i, columns["barcode"], _("Card %(card)s is on more than one row (lines %(lines)s); none of them was "
                                            "imported.", card=barcode, lines=", ".join(map(str, lines_of[barcode]))))
            continue
        for name, values in (("last_activity", found.last_activity), ("issued", found.issued)):
            value = values[i]
            if isinstance(value, str):
                refuse(i, columns[name], _("Unreadable date %(value)s (use YYYY-MM-DD or MM/DD/YYYY).", value=value))
            elif value is not None and value > report_date:
                refuse(i, columns[name], _("The date %(day)s is after the report's date, %(report)s.",
                                           day=value.isoformat(), report=report_date.isoformat()))
        if isinstance(found.checkouts[i], str):
            refuse(i, columns["checkouts"], _("Unreadable checkout count %(value)s (a whole number was expected).",
                                              value=found.checkouts[i]))
    for problem in found.problems:  # lines the CSV reader could not read
        problems.append({"line": problem.row, "column": problem.column, "message": problem.message})
    problems.sort(key=lambda p: (p["line"] or 0))
    return {"kept": [i for i in range(found.rows_read) if i not in refused and found.barcodes[i] in by_barcode],
            "refused_count": len(refused) + len(found.problems), "problems": problems[:SHOWN_PROBLEMS],
            "problem_count": len(problems), "unknown": unknown, "unknown_count": unknown_count, "known": known}


def _report_of(drive: CardDrive, report_id: int | None) -> ActivityReport:
    report = db.session.get(ActivityReport, report_id) if report_id and report_id > 0 else None
    if report is None or report.drive_id != drive.id:
        raise Invalid({"": _("This activity report does not exist (or not for this drive): upload it again.")})
    return report


def commit(actor, drive: CardDrive, report_id: int | None) -> ActivityReport:
    """Write the preview's card rows and make it a snapshot, in one transaction; remember a plain CSV's columns."""
    report = _report_of(drive, report_id)
    ACTIVITY_REPORT.check(report, "commit")
    if not report.rows_matched or not report.staged:
        raise Invalid({"": _("Nothing to import: every row of this drive's cards was refused. Correct the file and "
                             "upload it again.")})
    staged = json.loads(report.staged)
    rows = [{"report_id": report.id, "barcode": barcode, "issued_on": date.fromisoformat(issued),
             "last_activity_on": date.fromisoformat(seen) if seen else None, "checkouts": count}
            for barcode, issued, seen, count in staged]
    db.session.execute(insert(CardActivity).execution_options(agreement_id=drive.agreement_id), rows)
    ACTIVITY_REPORT.move(report, "commit")
    report.staged, report.committed_at = None, datetime.utcnow()
    report.summary = {k: v for k, v in report.summary.items() if k != "unknown"}  # card numbers not ours: not kept
    if report.source_kind == reports.PLAIN:
        _remember(drive.agreement_id, report.summary.get("columns", {}))
    total = metrics.summed(report.figures)
    audit.record(actor, "outcomes.imported", "card_drive", drive.id, {
        "report_date": [None, report.report_date.isoformat()], "source": [None, report.source_kind],
        "rows_read": [None, report.rows_read], "rows_matched": [None, report.rows_matched],
        "unknown": [None, report.unknown_count], "refused": [None, report.refused_count],
        "cards_used": [None, total["used"]]})
    db.session.commit()
    return report


def _remember(agreement_id: int, columns: dict) -> None:
    row = db.session.scalar(select(ActivityMapping).where(ActivityMapping.agreement_id == agreement_id))
    if row is None:
        row = ActivityMapping(agreement_id=agreement_id, mapping={})
        db.session.add(row)
    row.mapping = dict(columns)


def discard(actor, drive: CardDrive, report_id: int | None) -> None:
    report = _report_of(drive, report_id)
    ACTIVITY_REPORT.move(report, "discard")
    report.staged, report.summary = None, {}
    db.session.commit()


def _drop_stale(agreement_id: int) -> None:
    """Previews nobody committed hold card numbers: dropped after STAGED_DAYS."""
    db.session.execute(update(ActivityReport).where(
        ActivityReport.agreement_id == agreement_id, ActivityReport.status == PREVIEWED,
        ActivityReport.created_at < datetime.utcnow() - timedelta(days=STAGED_DAYS))
        .values(staged=None, summary={}, status=DISCARDED).execution_options(agreement_id=agreement_id))


def snapshots(drive_id: int) -> list[ActivityReport]:
    """The drive's committed reports, oldest first: the trend; the last is the latest."""
    return list(db.session.scalars(select(ActivityReport).where(ActivityReport.drive_id == drive_id,
                                                                ActivityReport.status == COMMITTED)
                                   .order_by(ActivityReport.report_date, ActivityReport.id)))


def purge(agreement_id: int) -> int:
    """For the privacy purge: delete the agreement's card rows and previews' card numbers (the figures stay)."""
    reports_of = select(ActivityReport.id).where(ActivityReport.agreement_id == agreement_id)
    deleted = db.session.execute(delete(CardActivity).where(CardActivity.report_id.in_(reports_of))
                                 .execution_options(agreement_id=agreement_id)).rowcount
    db.session.execute(update(ActivityReport).where(ActivityReport.agreement_id == agreement_id, ActivityReport.status == PREVIEWED)
                       .values(staged=None, summary={}, status=DISCARDED).execution_options(agreement_id=agreement_id))
    return deleted or 0


def card_rows(agreement_id: int) -> int:
    """How many card rows an agreement's reports hold (the purge's count)."""
    return db.session.scalar(select(func.count(CardActivity.id)).join(ActivityReport, ActivityReport.id == CardActivity.report_id)
                             .where(ActivityReport.agreement_id == agreement_id)) or 0


privacy.add_held(privacy.Held("card_activity", "card_activity_deleted", card_rows, purge))
