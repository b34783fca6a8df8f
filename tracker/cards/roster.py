"""Roster import: upload -> preview (kept server-side on the RosterImport row) -> commit, all or nothing.

Students are matched on their source id: a re-import updates, never duplicates; students missing
from a later roster of their school are marked as left, never deleted. Opted-out students are not
stored. Only the fields the data-sharing spec allows are kept. The import's status moves by
workflow.ROSTER_IMPORT.
"""
import json
from datetime import date, datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select, update

from tracker import clock
from tracker.audit import service as audit
from tracker.cards import leavers, rosterfile, student_rows, undo
from tracker.cards.models import ColumnMapping, OptOut, RosterImport, Student
from tracker.cards.programme import schools_of, spec_of
from tracker.cards.workflow import COMMITTED, ROSTER_IMPORT, UPLOADED
from tracker.extensions import db
from tracker.jobs import service as jobs
from tracker.scope.sql import among
from tracker.validation import Invalid

CHUNK = student_rows.CHUNK
KEPT = ("identifier", "given_name", "middle_name", "family_name", "grade", "birth_date", "email", "username", "class_name",
        "home_language")
INSERTED = ("agreement_id", "source_id", "school_id", *KEPT, "active", "left_on", "card_status", "updated_at")


def upload(actor, agreement, filename: str, data: bytes, school_id: int | None, user_id: int | None) -> RosterImport:
    """Keep the file and read it: at once for small files, as a job for large ones."""
    if spec_of(agreement.id) is None:
        raise Invalid({"file": _("Record the data-sharing spec first: it says which student fields may be kept.")})
    if not data:
        raise Invalid({"file": _("%(file)s is empty.", file=filename or _("The file"))})
    if school_id is not None and school_id not in {s.id for s in schools_of(agreement.id)}:
        raise Invalid({"school_id": _("Choose one of the agreement's schools.")})
    if school_id is None and rosterfile.needs_school(data, filename):
        raise Invalid({"school_id": _("%(file)s is a school's own CSV, not a OneRoster file: choose the school it comes "
                                      "from, then its columns are mapped once.", file=filename or _("The file"))})
    staged = RosterImport(agreement_id=agreement.id, filename=filename[:255], school_id=school_id, upload=data,
                          created_by_id=user_id, status=UPLOADED)
    db.session.add(staged)
    db.session.commit()
    if len(data) > current_app.config.get("ROSTER_JOB_BYTES", 1_000_000):
        job = jobs.start("roster.preview", _("Read roster %(file)s", file=staged.filename), "tracker.cards.roster:preview_job",
                         {"import_id": staged.id}, user_id)
        staged.job_id = job.id
        db.session.commit()
    else:
        preview(staged)
    return staged


def preview_job(job_id: int, import_id: int) -> dict:
    staged = db.session.get(RosterImport, import_id)
    total = staged.upload.count(b"\n") if staged.upload else 0
    jobs.progress(job_id, 0, total, _("Reading %(file)s", file=staged.filename))
    preview(staged, progress=lambda done: jobs.progress(job_id, done, total))
    jobs.progress(job_id, total, total, _("Preview ready"))
    with current_app.test_request_context():
        url = url_for("cards.roster_import", agreement_id=staged.agreement_id, import_id=staged.id)
    return {"url": url, "link_text": _("See the preview"), "follow": True}


def mapping_for(school_id: int | None) -> dict | None:
    if school_id is None:
        return None
    row = db.session.scalar(select(ColumnMapping).where(ColumnMapping.school_id == school_id))
    return row.mapping if row else None


def save_mapping(actor, staged: RosterImport, mapping: dict) -> None:
    """Remember a school's plain-CSV mapping, then read the file with it."""
    fields = [f for f in mapping.values() if f]
    doubled = {f for f in fields if fields.count(f) > 1}
    if doubled:
        raise Invalid({"": _("Each field may come from one column only: %(fields)s.", fields=", ".join(sorted(doubled)))})
    row = db.session.scalar(select(ColumnMapping).where(ColumnMapping.school_id == staged.school_id))
    if row is None:
        row = ColumnMapping(school_id=staged.school_id, mapping={})
        db.session.add(row)
    row.mapping = {h: f for h, f in mapping.items() if f}
    audit.record(actor, "roster.mapping_saved", "organisation", staged.school_id, {"mapping": [None, row.mapping]})
    db.session.commit()
    preview(staged)


@student_rows.gc_paused()
def preview(staged: RosterImport, progress=None) -> None:
    """Read the stored upload and compare it with the roster; keep the result on the import row."""
    agreement_id = staged.agreement_id
    try:
        parsed = rosterfile.read(staged.upload, staged.filename, mapping_for(staged.school_id) if staged.school_id else None, progress)
    except rosterfile.MappingProblem as problem:
        if not staged.school_id:
            return _fail(staged, str(problem))
        try:  # a plain CSV of a school: (re)map its columns
            headers = rosterfile.plain_headers(staged.upload, staged.filename)
        except rosterfile.FileProblem as unreadable:
            return _fail(staged, str(unreadable))
        known = mapping_for(staged.school_id)
        ROSTER_IMPORT.move(staged, "ask_mapping")
        staged.summary = {"headers": headers, "problem": str(problem) if known else "",
                          "samples": rosterfile.samples(staged.upload, staged.filename)}
        db.session.commit()
        return None
    except rosterfile.FileProblem as problem:
        return _fail(staged, str(problem))
    staged.summary, staged.parsed = _compare(agreement_id, staged, parsed)
    ROSTER_IMPORT.move(staged, "preview")
    db.session.commit()
    return None


def _fail(staged: RosterImport, message: str) -> None:
    ROSTER_IMPORT.move(staged, "fail")
    staged.summary, staged.parsed, staged.upload = {"fatal": message}, None, None
    db.session.commit()


def _compare(agreement_id: int, staged: RosterImport, parsed: rosterfile.Parsed) -> tuple[dict, str]:
    spec = spec_of(agreement_id)
    allowed = set(spec.allowed_fields)
    dropped = sorted(c for c, f in parsed.column_fields.items() if f in KEPT and f not in allowed)
    schools = {s.id: s for s in schools_of(agreement_id)}
    by_sourced = {s.sourced_id: s.id for s in schools.values() if s.sourced_id}
    opted_out = set(db.session.scalars(select(OptOut.source_id).where(OptOut.agreement_id == agreement_id)))
    columns = [getattr(Student, f) for f in ("id", "source_id", "school_id", "active", *KEPT)]
    existing = {s.source_id: s for s in db.session.execute(select(*columns).where(Student.agreement_id == agreement_id))}
    problems = [p.as_dict() for p in parsed.problems]
    counts = {"new": 0, "updated": 0, "unchanged": 0, "opted_out": 0}
    records, seen_schools, seen_ids = [], set(), set()
    incoming, parsed.records = parsed.records, []
    kept_fields = [f for f in KEPT if f in allowed]  # every record holds each of them
    for index, record in enumerate(incoming):
        incoming[index] = None  # each record is let go once it is compared
        if parsed.file_format == "plain":  # the school chosen at upload
            school_id = staged.school_id
        else:
            named = record["school"]
            school_id = by_sourced.get(named[0]) if len(named) == 1 else next((by_sourced[s] for s in named if s in by_sourced), None)
            if school_id is None:
                problems.append({"file": "users.csv", "row": record["row"], "column": "orgSourcedIds" if parsed.file_format != "oneroster-1.2" else "primaryOrgSourcedId",
                                 "message": _("Unknown school %(id)s: no school of this agreement has that sourcedId.", id=", ".join(record["school"]) or "—")})
                continue
        seen_ids.add(record["source_id"])
        if record["source_id"] in opted_out:
            counts["opted_out"] += 1
            continue
        seen_schools.add(school_id)
        current = existing.get(record["source_id"])
        if current is None:
            counts["new"] += 1
        elif _same(current, [record[f] if f in allowed else "" for f in KEPT], school_id):
            counts["unchanged"] += 1
            continue
        else:
            counts["updated"] += 1
        records.append((current.id if current else None, record["source_id"], school_id, *map(record.__getitem__, kept_fields)))
    left = [s.id for s in existing.values() if s.active and s.school_id in seen_schools and s.source_id not in seen_ids]
    summary = {
        "format": parsed.file_format, "rows_read": parsed.rows_read, **counts, "left": len(left),
        "duplicates": parsed.duplicates, "not_students": parsed.not_students, "empty_rows": parsed.empty_rows,
        "dropped_columns": dropped, "errors": problems[:500], "error_count": len(problems),
        "no_grade": len(parsed.no_grade), "no_grade_rows": parsed.no_grade[:20],
        "schools": sorted(schools[i].name for i in seen_schools),
    }
    summary["left_by_school"] = leavers.per_school(existing, left, schools)
    summary["warnings"] = leavers.warnings(parsed.file_format, seen_schools, schools, summary["left_by_school"])
    # A list per field (id or null, source id, school id, then KEPT, empty where the spec does not allow the field),
    # not a dict or list per student: a large roster stays small, and reads back several times faster.
    place = {f: 3 + i for i, f in enumerate(kept_fields)}  # each allowed field's place in a record's tuple
    columns = [[r[k] for r in records] for k in range(3)]
    columns += [[r[place[f]] for r in records] if f in place else [""] * len(records) for f in KEPT]
    return summary, json.dumps({"columns": columns, "left": left}, separators=(",", ":"))


def _same(student, kept: list, school_id: int) -> bool:
    current = [getattr(student, f) for f in KEPT]
    current[KEPT.index("birth_date")] = student.birth_date.isoformat() if student.birth_date else ""
    return student.active and student.school_id == school_id and current == kept


def _kept_columns(payload: dict) -> list[list]:
    """The previewed students a list per field: id (None for a new one), source id, school id, then KEPT."""
    if "columns" in payload:
        columns = payload["columns"]
    else:  # a preview kept by an earlier version: a list per student
        records = payload["records"]
        columns = [[r[k] for r in records] for k in range(min(map(len, records), default=0))]
    count = len(columns[0]) if columns else 0
    return columns + [[""] * count for _ in range(3 + len(KEPT) - len(columns))]  # a field added since the preview


def check_choice(staged: RosterImport, choice: str | None) -> str:
    """What to do with the students the file lacks: a preview with warnings needs the choice made explicitly."""
    if choice in (leavers.MARK, leavers.PARTIAL):
        return choice
    if choice or staged.summary.get("warnings"):
        raise Invalid({"leavers": _("Read the warnings, then choose: mark these students as left, or treat the file "
                                    "as partial and mark nobody as left.")})
    return leavers.MARK


@student_rows.gc_paused()
def commit(actor, staged: RosterImport, today: date | None = None, choice: str | None = None) -> dict:
    """Write the previewed roster in one transaction; any failure leaves the roster as it was. `choice`:
    leavers.MARK marks the students the file lacks as left, leavers.PARTIAL marks nobody."""
    ROSTER_IMPORT.check(staged, "commit")
    if not staged.parsed:
        raise Invalid({"": ROSTER_IMPORT.refusal(staged.status, "commit")})
    choice = check_choice(staged, choice)
    newer = db.session.scalar(select(RosterImport.id).where(
        RosterImport.agreement_id == staged.agreement_id, RosterImport.status == COMMITTED,
        RosterImport.committed_at > staged.created_at))
    if newer:
        raise Invalid({"": _("Another roster was committed after this preview was made; upload the file again.")})
    today = today or clock.today()
    payload = json.loads(staged.parsed)
    opted_out = set(db.session.scalars(select(OptOut.source_id).where(OptOut.agreement_id == staged.agreement_id)))
    now = datetime.utcnow()
    overwritten = []
    try:
        ids, sources, schools, *kept = _kept_columns(payload)
        births = kept[KEPT.index("birth_date")]
        dates = {value: date.fromisoformat(value) for value in set(births) if value}
        kept[KEPT.index("birth_date")] = [dates.get(value) for value in births]
        # Students opted out since the preview are left out.
        wanted = range(len(ids)) if not opted_out else [i for i, s in enumerate(sources) if s not in opted_out]
        new = [i for i in wanted if ids[i] is None]
        pick = (lambda values: values) if len(new) == len(ids) else (lambda values: [values[i] for i in new])
        count = len(new)
        student_rows.insert_students(INSERTED, [[staged.agreement_id] * count, pick(sources), pick(schools), *map(pick, kept),
                                                [True] * count, [None] * count, [""] * count, [now] * count])
        changed = [i for i in wanted if ids[i] is not None]
        for start in range(0, len(changed), CHUNK):  # dicts for one chunk at a time
            chunk = changed[start:start + CHUNK]
            overwritten += undo.before([ids[i] for i in chunk])
            db.session.execute(update(Student), [
                {"source_id": sources[i], "school_id": schools[i], **{f: values[i] for f, values in zip(KEPT, kept)},
                 "active": True, "left_on": None, "updated_at": now, "id": ids[i]} for i in chunk])
        written = {"new": count, "updated": len(changed)}
        left = undo.before(payload["left"], active_only=True) if choice == leavers.MARK else []
        for start in range(0, len(left), CHUNK):
            db.session.execute(update(Student).where(Student.id.in_([row[0] for row in left[start:start + CHUNK]]))
                               .values(active=False, left_on=today, updated_at=now))
        counts = {**written, "left": len(left)}
        undo.keep(staged, undo.added(staged.agreement_id, {sources[i] for i in new}), overwritten + left, len(left))
        ROSTER_IMPORT.move(staged, "commit")
        staged.committed_at, staged.parsed, staged.upload = now, None, None
        staged.summary = {**staged.summary, "committed": counts}
        audit.record(actor, "roster.imported", "agreement", staged.agreement_id,
                     {"file": [None, staged.filename], **{k: [None, v] for k, v in counts.items()},
                      **({"partial": [None, True]} if choice == leavers.PARTIAL else {})})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return counts


def start_commit(actor, staged: RosterImport, user_id: int | None, choice: str | None = None) -> dict | None:
    """Commit now, or as a job when the preview holds many students; returns the counts when done now."""
    size = staged.summary.get("new", 0) + staged.summary.get("updated", 0) + staged.summary.get("left", 0)
    if size <= current_app.config.get("ROSTER_JOB_ROWS", 20_000):
        return commit(actor, staged, choice=choice)
    ROSTER_IMPORT.check(staged, "commit")
    choice = check_choice(staged, choice)
    job = jobs.start("roster.commit", _("Write roster %(file)s", file=staged.filename), "tracker.cards.roster:commit_job",
                     {"import_id": staged.id, "actor": actor.__dict__, "choice": choice}, user_id)
    staged.job_id = job.id
    db.session.commit()
    return None


def commit_job(job_id: int, import_id: int, actor: dict, choice: str | None = None) -> dict:
    staged = db.session.get(RosterImport, import_id)
    total = staged.summary.get("new", 0) + staged.summary.get("updated", 0)
    jobs.progress(job_id, 0, total, ngettext("Writing %(num)s student in one transaction", "Writing %(num)s students in one transaction", total))
    counts = commit(audit.Actor(**actor), staged, choice=choice)
    jobs.progress(job_id, total, total, _("%(new)s new, %(updated)s updated, %(left)s marked as left", **counts))
    with current_app.test_request_context():
        url = url_for("cards.roster_page", agreement_id=staged.agreement_id)
    return {"url": url, "link_text": _("See the roster"), **counts}


def discard(actor, staged: RosterImport) -> None:
    """Drop an import before it is committed: nothing of it is written, its file and preview go."""
    ROSTER_IMPORT.move(staged, "discard")
    staged.parsed, staged.upload = None, None
    db.session.commit()


def seen(query, schools: frozenset[int] | None):
    """Restrict a query over Student to the students a user may see: those of `schools` (None: all of the
    agreement's). Users below a party and school librarians see their own schools' students only
    (tracker.scope.loading.Access.schools); viewers see counts, never names (roster.view)."""
    return query if schools is None else query.where(among(Student.school_id, schools))


def schools_shown(agreement_id: int, schools: frozenset[int] | None) -> list:
    """The agreement's schools whose students the user may see (`schools`, as for `seen`)."""
    return [s for s in schools_of(agreement_id) if schools is None or s.id in schools]


def roster_students(agreement_id: int, schools: frozenset[int] | None, school_id: int | None = None, q: str = ""):
    """The roster as the user may see it (`schools`, as for `seen`): of one school when given, matching `q`
    (a name or source id) when given, by family name."""
    query = seen(select(Student).where(Student.agreement_id == agreement_id), schools)
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    if q:
        like = f"%{q}%"
        query = query.where(or_(Student.family_name.ilike(like), Student.given_name.ilike(like), Student.source_id.ilike(like)))
    return query.order_by(Student.family_name, Student.given_name, Student.id)


def students_for(drive, school_id: int, schools: frozenset[int] | None, grade: str = "", class_name: str = ""):
    """The students of one school in a drive (active, in the drive's grades; of one grade, of one class when
    given) that the user may see (`schools`, as for `seen`), by grade and name."""
    query = seen(select(Student).where(Student.agreement_id == drive.agreement_id, Student.school_id == school_id,
                                       Student.active.is_(True), Student.grade.in_(drive.grades)), schools)
    if grade:
        query = query.where(Student.grade == grade)
    if class_name:
        query = query.where(Student.class_name == class_name)
    return query.order_by(Student.grade, Student.family_name, Student.given_name)


def roster_counts(agreement_id: int, schools: frozenset[int] | None = None) -> dict:
    """Students on the roster and marked as left (of these schools, when given), and the agreement's opt-outs
    (kept by id alone: an opted-out student is never stored, so no school is known for it)."""
    rows = db.session.execute(seen(select(Student.active, db.func.count()).where(Student.agreement_id == agreement_id), schools)
                              .group_by(Student.active)).all()
    by = {bool(a): n for a, n in rows}
    opted = db.session.scalar(select(db.func.count(OptOut.id)).where(OptOut.agreement_id == agreement_id))
    return {"active": by.get(True, 0), "left": by.get(False, 0), "opted_out": opted}
