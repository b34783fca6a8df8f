"""Patron export: the students a filter selects (never an opted-out or departed one), turned into the
ILS's file and checked against the importer's rules before anything is downloaded: the rows it would
refuse are listed with their reasons and left out, the columns left out are named. The file is recorded in
the audit log with its SHA-256 and row count, its rows marked exported."""
import hashlib
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import compress

from anyascii import anyascii
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from tracker import clock
from tracker.audit import service as audit
from tracker.cards import ils, student_rows
from tracker.cards.models import CardDrive, Consent, DriveCount, OptOut, Student
from tracker.cards.patron_formats import FORMATS, NAME_FIELDS
from tracker.cards.programme import PatronRules, by_value, home_branches, polaris_ids
from tracker.extensions import db
from tracker.spreadsheets import csv_bytes_by_column
from tracker.validation import Invalid

OPT_IN = "opt_in"  # the consent model under which only students with a recorded consent are exported
SHOWN = 200  # refused rows and students listed on the page at most


@dataclass
class Filters:
    drive_id: int | None = None
    school_id: int | None = None
    grade: str = ""
    not_yet_exported: bool = False


@dataclass
class Check:
    """What the ILS would make of the file, shown before it is downloaded."""

    file_format: str
    drive: str
    expires: date
    ascii_names: bool
    rows: int = 0
    refused: list[dict] = field(default_factory=list)  # {"student", "column", "reason"}
    refused_count: int = 0
    left_out: list[dict] = field(default_factory=list)  # {"column", "reason", "students"}
    transliterated: list[tuple[str, str]] = field(default_factory=list)  # examples: (before, after)
    not_ascii: list[str] = field(default_factory=list)  # names the stock Evergreen loader would skip
    without_consent: int = 0  # opt-in: students left out for want of a recorded consent

    @property
    def needs_attention(self) -> bool:
        return bool(self.refused_count or self.left_out or self.not_ascii)


@dataclass
class Prepared:
    file_format: str
    header: list[str]
    columns: list[Sequence[str]]  # each header column's values, one per student kept
    preamble: tuple
    student_ids: list[int]
    check: Check
    filters: Filters


@dataclass
class PatronFile:
    data: bytes
    filename: str
    rows: int
    sha256: str


EXPORTED_COLUMNS = (Student.id, Student.school_id, Student.source_id, Student.identifier, Student.given_name,
                    Student.middle_name, Student.family_name, Student.grade, Student.birth_date, Student.email,
                    Student.username)


Students = namedtuple("Students", [c.key for c in EXPORTED_COLUMNS])  # each field's values, one per student


def selected(agreement_id: int, filters: Filters, needs_consent: bool = False, columns=EXPORTED_COLUMNS):
    """Students to export (their columns, not ORM objects: exports can be large): active, not opted out (and,
    with `needs_consent`, with a recorded consent), narrowed by drive, school, grade, not yet exported."""
    query = select(*columns).where(
        Student.agreement_id == agreement_id, Student.active.is_(True),
        ~exists().where(OptOut.agreement_id == Student.agreement_id, OptOut.source_id == Student.source_id),
    )
    if needs_consent:
        query = query.where(exists().where(Consent.agreement_id == Student.agreement_id, Consent.source_id == Student.source_id))
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


def drive_for(agreement_id: int, drive_id: int | None) -> CardDrive:
    """The drive whose school year sets the expiry: the one chosen, else the agreement's latest."""
    if drive_id:
        drive = db.session.get(CardDrive, drive_id)
        if drive is None or drive.agreement_id != agreement_id:
            raise Invalid({"drive_id": _("Choose one of this agreement's drives.")})
        return drive
    drive = db.session.scalars(select(CardDrive).where(CardDrive.agreement_id == agreement_id)
                               .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc())).first()
    if drive is None:
        raise Invalid({"drive_id": _("Create the card drive first: its school year sets the cards' expiry date.")})
    return drive


def _label(s: Students, i: int) -> str:
    return f"{s.given_name[i]} {s.family_name[i]} ({s.source_id[i]})".strip()


@dataclass
class Reading:
    """The students an export selected, read, with what checking them needs."""

    file_format: str
    rules: PatronRules
    check: Check
    columns: list[str]
    students: Students
    everyone: int | None  # opt-in: the students selected before consent was asked for
    filters: Filters
    today: date


@student_rows.gc_paused()
def prepare(programme, file_format: str, filters: Filters, today: date | None = None,
            ascii_names: bool | None = None) -> Prepared:
    """Build the file's columns and check their rows against the importer's rules; nothing is written."""
    return checked(read_students(programme, file_format, filters, today, ascii_names))


def read_students(programme, file_format: str, filters: Filters, today: date | None = None,
                  ascii_names: bool | None = None) -> Reading:
    """The programme's rules for the format, and the students the filters select (their columns)."""
    if file_format not in FORMATS:
        raise Invalid({"file_format": _("Unknown format.")})
    fmt = FORMATS[file_format]
    drive = drive_for(programme.agreement_id, filters.drive_id)
    rules = PatronRules.of(programme, drive)
    if file_format == "polaris" and not ils.is_integer(programme.patron_category):
        raise Invalid({"file_format": _("The card programme's patron category is %(code)s; Polaris needs its patron code "
                                        "id, a whole number (e.g. 3). Set it on the card programme first.",
                                        code=programme.patron_category)})
    if file_format == "polaris":
        missing = [b.name for b, given in polaris_ids(programme, home_branches(programme.agreement_id)) if given is None]
        if missing:
            raise Invalid({"file_format": _("Give %(branch)s its Polaris organization id on the card programme first: "
                                            "Leap registers each patron at a branch by that id.", branch=missing[0])})
    ascii_names = file_format == "evergreen" if ascii_names is None else ascii_names
    check = Check(file_format, drive.name, rules.expires, ascii_names)
    columns = [c for c in fmt.columns(rules) if fmt.carries.get(c) is None or fmt.carries[c] in rules.allowed]
    opt_in = programme.consent_model == OPT_IN
    everyone = db.session.scalar(select(func.count()).select_from(
        selected(programme.agreement_id, filters, columns=(Student.id,)).order_by(None).subquery())) if opt_in else None
    db.session.flush()
    s = Students._make(student_rows.read_columns(selected(programme.agreement_id, filters, needs_consent=opt_in)))
    return Reading(file_format, rules, check, columns, s, everyone, filters, today or clock.today())


def checked(reading: Reading) -> Prepared:
    """The file's columns, its rows checked against the importer's rules. The work is done a column at a time (lists
    built with comprehensions and built-ins, no Python call per row): a statewide export has 100,000 rows. Nothing
    here reads or writes the database."""
    file_format, rules, check, columns, s = reading.file_format, reading.rules, reading.check, reading.columns, reading.students
    fmt = FORMATS[file_format]
    table = fmt.values(rules, s, _names(rules, s, check), reading.today)
    refused = _refused(file_format, table, s, columns, check)
    if refused:
        kept = [i not in refused for i in range(len(s.id))]
        s = Students._make(list(compress(values, kept)) for values in s)
        table = {column: list(compress(values, kept)) for column, values in table.items()}
    count = check.rows = len(s.id)
    if file_format == "evergreen":
        check.not_ascii = [_label(s, i) for i in _not_ascii(table)[:SHOWN]]
    if reading.everyone is not None:
        check.without_consent = reading.everyone - check.refused_count - count
    if fmt.every_row:
        columns = _filled_columns(columns, table, s, check, ils.REQUIRED[file_format])
    empty = [""] * count
    return Prepared(file_format, columns, [table.get(c, empty) for c in columns], fmt.preamble, list(s.id), check, reading.filters)


def _names(rules: PatronRules, s: Students, check: Check) -> dict[str, list[str]]:
    """The students' names and schools' names, in plain ASCII when the check asks for it (each distinct name
    transliterated once), with the first few names that changed as examples."""
    names = {"given_name": [v or "" for v in s.given_name], "middle_name": [v or "" for v in s.middle_name],
             "family_name": [v or "" for v in s.family_name], "school": rules.per_school(s.school_id, "name")}
    if not check.ascii_names:
        return names
    plain = {k: v if "".join(v).isascii() else by_value(v, anyascii) for k, v in names.items()}
    changed = sorted({i for k in names if plain[k] is not names[k] for i, (a, b) in enumerate(zip(names[k], plain[k])) if a != b})
    check.transliterated = [(" ".join(names[f][i] for f in NAME_FIELDS if names[f][i]),
                             " ".join(plain[f][i] for f in NAME_FIELDS if plain[f][i])) for i in changed[:5]]
    return plain


def _refused(file_format: str, table: dict, s: Students, columns: list[str], check: Check) -> set[int]:
    """The rows the ILS would refuse, counted and (the first of them) listed with their reasons: only the rows
    `ils.suspect_rows` finds go through the row-by-row check."""
    refused = set()
    for i in sorted(ils.suspect_rows(file_format, table, len(s.id))):
        values = {column: column_values[i] for column, column_values in table.items()}
        problems = [(c, r) for c, r in ils.value_problems(file_format, values) if c in columns or c in ils.REQUIRED[file_format]]
        if problems:
            refused.add(i)
            check.refused_count += 1
            if len(check.refused) < SHOWN:
                check.refused.extend({"student": _label(s, i), "column": c, "reason": r} for c, r in problems)
    return refused


def _not_ascii(table: dict) -> list[int]:
    """The rows holding a character outside ASCII (which the stock Evergreen loader skips), in order."""
    rows = set()
    for values in table.values():
        if not "".join(values).isascii():
            rows.update(i for i, v in enumerate(values) if not v.isascii())
    return sorted(rows)


def _filled_columns(columns: list[str], table: dict, s: Students, check: Check, required) -> list[str]:
    """Evergreen's loader binds an empty value as it is (into a date column, that fails the row): keep a
    column only when every row has a value, and name the students that lacked one."""
    out, count = [], len(s.id)
    for column in columns:
        values = table.get(column)
        lacking = list(range(count)) if values is None else [] if all(values) else [i for i, v in enumerate(values) if not v]
        if not lacking or column in required or (column in ils.EVERGREEN_EMPTY_OK and len(lacking) < count):
            out.append(column)
        elif len(lacking) < count:
            check.left_out.append({"column": column, "students": [_label(s, i) for i in lacking[:SHOWN]], "count": len(lacking),
                                   "reason": _("%(n)s of %(total)s students have no value, and the loader cannot take an "
                                               "empty one; the column is left out for everyone.", n=len(lacking), total=count)})
    return out


@student_rows.gc_paused()
def deliver(actor, programme, prepared: Prepared, today: date | None = None) -> PatronFile:
    """Write the checked file (without the rows the ILS would refuse), audit it, mark its rows exported (the database
    marks them while the file is written)."""
    with student_rows.marking_exported(prepared.student_ids, datetime.utcnow()):
        data = _written(prepared)
    return _recorded(actor, programme, prepared, data, today)


@student_rows.gc_paused()
def export(actor, programme, file_format: str, filters: Filters, today: date | None = None,
           ascii_names: bool | None = None, confirmed: bool = True) -> "PatronFile | Check":
    """The patron file, as `deliver` of `prepare` makes it. Unless `confirmed`, a check that needs attention is
    returned instead, and nothing is written. Then the database marks the students exported as soon as they are
    read, while they are checked and the file is written: a file nobody has to confirm has no refused rows, so it
    holds every student read; when the check is returned the marks are rolled back."""
    if confirmed:
        return deliver(actor, programme, prepare(programme, file_format, filters, today, ascii_names), today)
    reading = read_students(programme, file_format, filters, today, ascii_names)
    with student_rows.marking_exported(reading.students.id, datetime.utcnow()):
        prepared = checked(reading)
        data = None if prepared.check.needs_attention else _written(prepared)
    if data is None:
        db.session.rollback()
        return prepared.check
    return _recorded(actor, programme, prepared, data, today)


def _written(prepared: Prepared) -> bytes:
    return csv_bytes_by_column(prepared.header, prepared.columns, prepared.preamble)


def _recorded(actor, programme, prepared: Prepared, data: bytes, today: date | None) -> PatronFile:
    """The file audited (its SHA-256, rows, refusals, expiry and filters) and the transaction committed."""
    digest = hashlib.sha256(data).hexdigest()
    filename = f"patrons-{prepared.file_format}-{(today or clock.today()).isoformat()}.csv"
    check = prepared.check
    audit.record(actor, "patrons.exported", "agreement", programme.agreement_id, {
        "format": [None, prepared.file_format], "rows": [None, check.rows], "sha256": [None, digest],
        "file": [None, filename], "refused": [None, check.refused_count], "expires": [None, check.expires.isoformat()],
        "filters": [None, {k: v for k, v in prepared.filters.__dict__.items() if v}],
    })
    db.session.commit()
    return PatronFile(data, filename, check.rows, digest)
