"""Reading roster files into plain student records: OneRoster 1.1 (users.csv alone or a zip with
orgs, classes, enrollments, demographics), OneRoster 1.2 users.csv (+ roles.csv), or a plain CSV mapped once.

Nothing here touches the database: `read` returns records and problems, each naming file, row, column.
"""
import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

CLASS_LENGTH = 100  # Student.class_name
HOME_LANGUAGE_LENGTH = 35  # Student.home_language
# A student's home language in a OneRoster users.csv: the standard has no column for it, so these headings (some
# SIS exports add metadata.homeLanguage), the first one present; a plain CSV maps its column to home_language.
HOME_LANGUAGE_HEADERS = ("homeLanguage", "metadata.homeLanguage", "home_language", "Home Language", "primaryLanguage",
                         "language")
MAX_LINE = 64 * 1024  # a roster line longer than this is refused with a message, not parsed
FIELDS = ("source_id", "identifier", "given_name", "middle_name", "family_name", "grade", "birth_date", "email", "username",
          "class_name", "home_language")
ONEROSTER_REQUIRED = ("sourcedId", "enabledUser", "username", "givenName", "familyName")
ONEROSTER_11_REQUIRED = ONEROSTER_REQUIRED + ("orgSourcedIds", "role")
# OneRoster column -> roster field (plus what the spec calls it).
ONEROSTER_COLUMNS = {
    "sourcedId": "source_id", "identifier": "identifier", "givenName": "given_name", "middleName": "middle_name",
    "familyName": "family_name", "grades": "grade", "email": "email", "username": "username",
}
ONEROSTER_NAMES = {"source_id": "sourcedId", "grade": "grades", "school": "orgSourcedIds", "given_name": "givenName",
                   "family_name": "familyName", "birth_date": "birthDate"}  # for messages: field -> column
GRADE_ALIASES = {"PK": "PK", "PS": "PK", "TK": "PK", "IT": "PK", "PR": "PK", "K": "K", "KG": "K", "00": "K"}


GRADE_LOOKUP = {"": "", **GRADE_ALIASES, **{f"{n:02d}": f"{n:02d}" for n in range(1, 13)}, **{str(n): f"{n:02d}" for n in range(1, 13)}}


class FileProblem(Exception):
    """The file as a whole cannot be read (not a CSV, no users.csv, missing columns)."""


class MappingProblem(FileProblem):
    """A plain CSV whose columns are not (or no longer) mapped to roster fields."""


@dataclass
class Problem:
    file: str
    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Parsed:
    records: list[dict] = field(default_factory=list)  # each: FIELDS + school (sourcedId or id) + row
    problems: list[Problem] = field(default_factory=list)
    file_format: str = ""
    rows_read: int = 0
    duplicates: int = 0
    not_students: int = 0
    empty_rows: int = 0
    columns: list[str] = field(default_factory=list)  # the headers of the main file
    column_fields: dict = field(default_factory=dict)  # header -> roster field
    no_grade: list[int] = field(default_factory=list)  # rows of students without a grade (kept; counted in no drive)


def normalise_grade(value: str) -> str | None:
    """OneRoster / spreadsheet grades to PK, K, 01..12; "" stays ""; None when unreadable."""
    known = GRADE_LOOKUP.get(value)
    if known is not None:
        return known
    text = (value or "").strip().upper()
    if not text:
        return ""
    text = text.split(",")[0].strip()
    text = re.sub(r"^(GRADE|GR\.?)\s*", "", text)
    if text in GRADE_ALIASES:
        return GRADE_ALIASES[text]
    if text.isdigit() and 1 <= int(text) <= 12:
        return f"{int(text):02d}"
    return None


def parse_date(value: str) -> date | None:
    text = (value or "").strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def decode(data: bytes, name: str) -> str:
    """Text of a CSV in UTF-8 (with or without BOM), UTF-16 (BOM) or Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise FileProblem(_("%(file)s: the UTF-16 text is damaged.", file=name)) from exc
    head = data[:4096]
    if head.startswith(b"%PDF") or head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8") or b"\x00" in head:
        raise FileProblem(_("%(file)s is not a CSV file (it looks like a binary file). Save the roster as CSV and upload it again.", file=name))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def rows_of(text: str, name: str, problems: list[Problem]):
    """(line number, row) pairs; overlong lines become a problem each, never a crash."""
    if not text.strip():
        raise FileProblem(_("%(file)s is empty.", file=name))
    first = text[:text.find("\n") + 1 or len(text)]
    if len(text) > MAX_LINE and max(map(len, text.splitlines())) > MAX_LINE:  # only then split: rosters are large
        lines = text.splitlines(keepends=True)
        for number, line in enumerate(lines, start=1):
            if len(line) > MAX_LINE:
                problems.append(Problem(name, number, "", _("The line is %(size)s characters long; a roster line may have at most %(max)s. It was left out.",
                                                           size=f"{len(line):,}", max=f"{MAX_LINE:,}")))
                lines[number - 1] = "\n"
        text = "".join(lines)
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(first))
    csv.field_size_limit(MAX_LINE + 1)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(name, reader.line_num, "", _("The row cannot be read as CSV: %(reason)s", reason=str(exc))))
            continue
        yield reader.line_num, row


def table(text: str, name: str, problems: list[Problem], required=()):
    """Header and (line, dict) rows of one CSV file, the rows read as they are used (a large roster
    is never held twice); missing required columns stop this file."""
    rows = rows_of(text, name, problems)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise FileProblem(_("%(file)s is empty.", file=name)) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileProblem(ngettext("%(file)s lacks the required column %(columns)s.",
                                   "%(file)s lacks the required columns %(columns)s.", len(missing),
                                   file=name, columns=", ".join(missing)))
    return header, _as_dicts(header, rows)


def _as_dicts(header: list[str], rows):
    width, strip = len(header), str.strip
    for line, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        yield line, dict(zip(header, map(strip, row)))


def _filled(rows, parsed: "Parsed", progress):
    """The rows that hold anything, counting the empty ones and reporting progress every 5,000."""
    for index, (line, values) in enumerate(rows, start=1):
        if progress and index % 5000 == 0:
            progress(index)
        if not any(values.values()):
            parsed.empty_rows += 1
            continue
        parsed.rows_read += 1
        yield line, values


def read(data: bytes, name: str, mapping: dict | None = None, progress=None) -> Parsed:
    """Read an upload. A plain CSV needs `mapping` (header -> field); without one, FileProblem says so."""
    if data[:4] == b"PK\x03\x04":
        return _read_zip(data, name, progress)
    text = decode(data, name)
    if is_oneroster(text.split("\n", 1)[0]):
        return _read_users(text, name, {}, None, progress)
    if mapping is None:
        raise MappingProblem(_("%(file)s is not a OneRoster users.csv: choose its school and map its columns.", file=name))
    return _read_plain(text, name, mapping, progress)


ONEROSTER_MARKS = ("enabledUser", "orgSourcedIds", "role", "givenName", "familyName", "username", "primaryOrgSourcedId")


def is_oneroster(first_line: str) -> bool:
    """A users.csv by its header: sourcedId and at least two more of OneRoster's user columns (one missing
    required column is then reported by name, instead of the file being taken for a plain CSV)."""
    return "sourcedId" in first_line and sum(mark in first_line for mark in ONEROSTER_MARKS) >= 2


def needs_school(data: bytes, name: str) -> bool:
    """A plain CSV (not a OneRoster zip or users.csv): it says nothing of its school."""
    if data[:4] == b"PK\x03\x04":
        return False
    try:
        first = decode(data[:8192], name).split("\n", 1)[0]
    except FileProblem:
        return False
    return bool(first.strip()) and not is_oneroster(first)


def samples(data: bytes, name: str, rows: int = 3) -> dict[str, list[str]]:
    """The first few values of each column of a plain CSV, shown beside the mapping."""
    problems: list[Problem] = []
    header, found = table(decode(data, name), name, problems)
    out: dict[str, list[str]] = {h: [] for h in header if h}
    for index, (_line, values) in enumerate(found):
        if index >= 20 or all(len(v) >= rows for v in out.values()):
            break
        for h in out:
            if values.get(h) and len(out[h]) < rows:
                out[h].append(values[h][:40])
    return out


def plain_headers(data: bytes, name: str) -> list[str]:
    problems: list[Problem] = []
    header, _rows = table(decode(data, name), name, problems)
    return [h for h in header if h]


def _read_zip(data: bytes, name: str, progress) -> Parsed:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {n.rsplit("/", 1)[-1].lower(): n for n in archive.namelist() if not n.endswith("/")}
    except zipfile.BadZipFile as exc:
        raise FileProblem(_("%(file)s is not a readable zip file.", file=name)) from exc
    if "[content_types].xml" in names:
        raise FileProblem(_("%(file)s is an Excel workbook; save the roster as CSV (OneRoster users.csv or plain CSV).", file=name))
    if "users.csv" not in names:
        raise FileProblem(_("%(file)s has no users.csv; a OneRoster zip needs users.csv (with orgs.csv, enrollments.csv, demographics.csv).", file=name))

    def text_of(member):
        limit = current_app.config["ROSTER_MAX_UNZIPPED_BYTES"]
        if archive.getinfo(names[member]).file_size > limit:  # zipfile never reads past the declared size
            raise FileProblem(_("%(file)s: %(member)s unpacks to more than %(mb)s MB; split the roster into smaller files.",
                                file=name, member=member, mb=limit // (1024 * 1024)))
        return decode(archive.read(names[member]), member)

    problems: list[Problem] = []
    birth_dates, roles = {}, None
    if "demographics.csv" in names:
        _h, rows = table(text_of("demographics.csv"), "demographics.csv", problems, ("sourcedId",))
        birth_dates = {r["sourcedId"]: (line, r.get("birthDate", "")) for line, r in rows if r.get("sourcedId")}
    if "roles.csv" in names:  # OneRoster 1.2: the role and school of each user
        _h, rows = table(text_of("roles.csv"), "roles.csv", problems, ("userSourcedId", "role", "orgSourcedId"))
        roles = {}
        for _line, r in rows:
            if r.get("roleType", "primary") == "primary" or r["userSourcedId"] not in roles:
                roles[r["userSourcedId"]] = (r["role"], r["orgSourcedId"])
    classes = _classes(text_of, names, problems)
    parsed = _read_users(text_of("users.csv"), "users.csv", birth_dates, roles, progress, classes)
    if classes:
        parsed.column_fields["classes.csv"] = "class_name"
    parsed.problems[:0] = problems
    parsed.file_format = "oneroster-zip"
    return parsed


def _classes(text_of, names: dict, problems: list[Problem]) -> dict[str, str]:
    """Each student's class, by user sourcedId, from classes.csv and enrollments.csv: the title (else the class
    code) of the class the student is enrolled in, a homeroom before any other class."""
    if "classes.csv" not in names or "enrollments.csv" not in names:
        return {}
    _h, rows = table(text_of("classes.csv"), "classes.csv", problems, ("sourcedId",))
    classes = {r["sourcedId"]: ((r.get("title") or r.get("classCode") or "")[:CLASS_LENGTH], r.get("classType", "").lower() == "homeroom")
               for _line, r in rows if r.get("sourcedId")}
    _h, rows = table(text_of("enrollments.csv"), "enrollments.csv", problems, ("classSourcedId", "userSourcedId", "role"))
    out: dict[str, tuple[str, bool]] = {}
    for _line, r in rows:
        found = classes.get(r["classSourcedId"])
        if r["role"].lower() != "student" or not found or not found[0] or r.get("status", "").lower() == "tobedeleted":
            continue
        if r["userSourcedId"] not in out or (found[1] and not out[r["userSourcedId"]][1]):
            out[r["userSourcedId"]] = found
    return {user: title for user, (title, _homeroom) in out.items()}


def _read_users(text: str, name: str, birth_dates: dict, roles: dict | None, progress, classes: dict | None = None) -> Parsed:
    """A OneRoster users.csv. In 1.2 a user's role and school live in roles.csv (`roles`: user -> (role,
    org)); without it nothing says who is a student, so the file is refused rather than read as all students."""
    problems: list[Problem] = []
    first = text.split("\n", 1)[0]
    version_12 = "orgSourcedIds" not in first and "role" not in first.split(",") and (
        "primaryOrgSourcedId" in first or "userMasterIdentifier" in first)
    if version_12 and roles is None:
        raise FileProblem(_("%(file)s is a OneRoster 1.2 users file: in 1.2 a user's role is in roles.csv, so this file "
                            "alone does not say who is a student. Upload the OneRoster zip, or a zip of users.csv with "
                            "roles.csv.", file=name))
    required = ONEROSTER_REQUIRED + (() if version_12 else ("orgSourcedIds", "role"))
    header, rows = table(text, name, problems, required)
    parsed = Parsed(problems=problems, file_format="oneroster-1.2" if version_12 else "oneroster-1.1", columns=header)
    parsed.column_fields = {c: f for c, f in ONEROSTER_COLUMNS.items() if c in header}
    language_column = next((c for c in HOME_LANGUAGE_HEADERS if c in header), None)
    if language_column:
        parsed.column_fields[language_column] = "home_language"
    if birth_dates:
        parsed.column_fields["birthDate"] = "birth_date"
    seen: dict[str, int] = {}
    present = [(c, f) for c, f in ONEROSTER_COLUMNS.items() if c in header]  # every row has each header's key
    absent = {f: "" for c, f in ONEROSTER_COLUMNS.items() if c not in header}
    for line, r in _filled(rows, parsed, progress):
        source_id = r.get("sourcedId", "")
        if version_12:
            if source_id not in roles:
                parsed.problems.append(Problem(name, line, "sourcedId", _("roles.csv gives this user no role; the row was left out.")))
                continue
            role, school = roles[source_id]
            school_column = "primaryOrgSourcedId"
            school = school or r.get("primaryOrgSourcedId", "")
        else:
            role, school, school_column = r.get("role", ""), r.get("orgSourcedIds", ""), "orgSourcedIds"
        if role.strip().lower() != "student":
            parsed.not_students += 1
            continue
        if r.get("enabledUser", "true").strip().lower() in ("false", "0", "no"):
            parsed.not_students += 1
            continue
        if not school.strip():
            parsed.problems.append(Problem(name, line, school_column, _(
                "%(column)s is blank: the student's school is not named, so the row was left out.", column=school_column)
                if not version_12 else _("primaryOrgSourcedId is blank and roles.csv names no school for this student, "
                                         "so the row was left out.")))
            continue
        record = {f: r[c] for c, f in present}
        record.update(absent)
        record["school"] = [s.strip() for s in school.split(",") if s.strip()] if "," in school else [school.strip()]
        birth_line, birth = birth_dates.get(source_id, (None, ""))
        record["birth_date"] = birth
        record["class_name"] = classes.get(source_id, "") if classes else ""
        record["home_language"] = r[language_column].strip()[:HOME_LANGUAGE_LENGTH] if language_column else ""
        _check(parsed, record, name, line, seen, ONEROSTER_NAMES, birth_line)
    return parsed


def _read_plain(text: str, name: str, mapping: dict, progress) -> Parsed:
    problems: list[Problem] = []
    header, rows = table(text, name, problems)
    mapped = {h: f for h, f in mapping.items() if f in FIELDS and h in header}
    if "source_id" not in mapped.values() and "identifier" in mapped.values():
        mapped = {**mapped, next(h for h, f in mapped.items() if f == "identifier"): "identifier"}
    for needed in ("given_name", "family_name"):
        if needed not in mapped.values():
            raise MappingProblem(_("%(file)s: no column is mapped to %(field)s.", file=name, field=needed.replace("_", " ")))
    if not {"source_id", "identifier"} & set(mapped.values()):
        raise MappingProblem(_("%(file)s: map a column to the student's source id or student id.", file=name))
    parsed = Parsed(problems=problems, file_format="plain", columns=header, column_fields=mapped)
    columns = {f: h for h, f in mapped.items()}
    names = {**columns, "source_id": columns.get("source_id") or columns.get("identifier", "")}
    seen: dict[str, int] = {}
    for line, r in _filled(rows, parsed, progress):
        record = {f: r.get(columns[f], "") if f in columns else "" for f in FIELDS}
        record["class_name"] = record["class_name"][:CLASS_LENGTH]
        record["home_language"] = record["home_language"].strip()[:HOME_LANGUAGE_LENGTH]
        if not record["source_id"]:
            record["source_id"] = record["identifier"]
        record["school"] = []  # the import's school
        _check(parsed, record, name, line, seen, names)
    return parsed


def _check(parsed: Parsed, record: dict, name: str, line: int, seen: dict, columns: dict, birth_line=None) -> None:
    """Validate one student record; append it, or its problems."""
    errors = []
    if not record["source_id"]:
        errors.append((columns["source_id"], _("The student's id is empty.")))
    elif record["source_id"] in seen:
        parsed.duplicates += 1
        parsed.problems.append(Problem(name, line, columns["source_id"], _("Duplicate id %(id)s: already on row %(row)s; this row was left out.",
                                                                           id=record["source_id"], row=seen[record["source_id"]])))
        return
    for required in ("given_name", "family_name"):
        if not record[required]:
            errors.append((columns.get(required, required), _("This column is required and is empty.")))
    grade = normalise_grade(record["grade"])
    if grade == "":
        parsed.no_grade.append(line)
    if grade is None:
        errors.append((columns.get("grade", "grade"), _("Unknown grade %(grade)s (use PK, K or 1–12).", grade=record["grade"])))
    record["grade"] = grade or ""
    if record["birth_date"]:
        try:
            record["birth_date"] = parse_date(record["birth_date"]).isoformat()
        except ValueError:
            where = ("demographics.csv", birth_line) if birth_line else (name, line)
            parsed.problems.append(Problem(where[0], where[1], columns.get("birth_date", "birthDate"),
                                           _("Unreadable date %(value)s (use YYYY-MM-DD).", value=record["birth_date"])))
            record["birth_date"] = ""
    for column, message in errors:
        parsed.problems.append(Problem(name, line, column, message))
    if record["source_id"]:
        seen[record["source_id"]] = line
    if not errors:
        record["row"] = line
        parsed.records.append(record)
