"""Card drives: the campaign, its schools and grades, and the counts staff record.

Counts change by increments (UPDATE ... SET issued = issued + n), so two people recording the same
school at the same moment both count: an edit sends what it read and what it wants, and only the
difference is applied.
"""

from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, insert, select, update

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.cards.models import CARD_STATUSES, COUNT_FIELDS, GRADES, CardDrive, DriveCount, OptOut, Student
from tracker.cards.programme import schools_of
from tracker.cards.workflow import DRIVE, DRIVE_STATUSES, PLANNING, UNDER_WAY
from tracker.extensions import db
from tracker.listing import ListPage, bounded
from tracker.orgs.models import Organisation
from tracker.auth.permissions import PERMISSIONS
from tracker.scope.agreements import visible
from tracker.scope.sql import among, inside
from tracker.validation import Invalid

DRIVE_FIELDS = ("name", "starts_on", "ends_on", "status", "grades", "target_percent")
THRESHOLDS = (80, 85, 90, 95)
ACTIVE = UNDER_WAY  # the drives the dashboard shows


def agreements_for_new_drive(scope) -> list:
    """The agreements whose drives the scope may start (card.manage reaches parties and those above), as (id, title)
    rows: a statewide admin's 10,000 as ORM objects cost 0.3 s."""
    relations = PERMISSIONS["card.manage"].relations
    query = visible(select(Agreement.id, Agreement.title), scope, relations).order_by(Agreement.title, Agreement.id)
    return db.session.execute(query).all()


def visible_drives(scope):
    """The drives of the agreements the scope sees."""
    return visible(select(CardDrive).join(Agreement, Agreement.id == CardDrive.agreement_id), scope)


def listed(scope, page: int, per_page: int) -> ListPage:
    """A page of the drives list: the drives of the agreements the scope sees, newest first, each with its
    agreement's title and its totals, as (drive row, progress row) pairs. Two queries whatever the number of drives
    (a statewide admin sees thousands): the page with its bounded count (tracker.listing), then the page's sums."""
    query = (visible_drives(scope)
             .with_only_columns(CardDrive.id, CardDrive.agreement_id, CardDrive.name, CardDrive.status, CardDrive.starts_on,
                                CardDrive.ends_on, CardDrive.target_percent, Agreement.title.label("agreement_title"))
             .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()))
    found = bounded(query, page, per_page)
    sums = {row.drive_id: row for row in db.session.execute(
        select(DriveCount.drive_id, *summed(SUMMED)).where(DriveCount.drive_id.in_([d.id for d in found.items]))
        .group_by(DriveCount.drive_id))} if found.items else {}
    found.items = [(d, progress_row(d.name, {f: getattr(sums[d.id], f) if d.id in sums else 0 for f in SUMMED}, d.target_percent))
                   for d in found.items]
    return found


def _check(data: dict, schools: list) -> None:
    errors = {}
    if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
        errors["ends_on"] = _("The drive cannot end before it starts.")
    if not data.get("grades"):
        errors["grades"] = _("Choose at least one grade.")
    elif set(data["grades"]) - set(GRADES):
        errors["grades"] = _("Unknown grade.")
    if data.get("status") not in DRIVE_STATUSES:
        errors["status"] = _("Unknown status.")
    if not schools:
        errors["school_ids"] = _("Choose at least one of the agreement's schools.")
    if errors:
        raise Invalid(errors)


def create(actor, agreement, data: dict, school_ids: list[int]) -> CardDrive:
    schools = [s for s in schools_of(agreement.id) if s.id in set(school_ids)]
    _check(data, schools)
    grades = [g for g in GRADES if g in data["grades"]]
    drive = CardDrive(agreement_id=agreement.id, **{**data, "grades": grades})
    db.session.add(drive)
    db.session.flush()
    _add_rows(drive, [s.id for s in schools], grades)
    audit.record(actor, "drive.created", "card_drive", drive.id,
                 {**audit.created(data), "schools": [None, [s.name for s in schools]]})
    db.session.commit()
    return drive


def _add_rows(drive: CardDrive, school_ids: list[int], grades: list[str]) -> None:
    """A row of zero counts for each school and grade."""
    zero = dict.fromkeys(("enrolment", "classrooms", *COUNT_FIELDS), 0)
    db.session.execute(insert(DriveCount), [{"drive_id": drive.id, "school_id": s, "grade": g, "cannot_issue_reason": "", **zero}
                                            for s in school_ids for g in grades])


def _next_year(day):
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def copy_for_next_year(actor, drive: CardDrive) -> CardDrive:
    """The next year's drive: the same schools, grades and targets (each row's own too), the dates a year on,
    the name's year moved on, nothing counted yet."""
    year = (drive.starts_on or drive.ends_on or drive.created_at).year
    name = drive.name.replace(str(year), str(year + 1)) if str(year) in drive.name else _("%(name)s (next year)", name=drive.name)
    copy = CardDrive(agreement_id=drive.agreement_id, name=name[:200], starts_on=_next_year(drive.starts_on),
                     ends_on=_next_year(drive.ends_on), status=PLANNING,
                     grades=list(drive.grades), target_percent=drive.target_percent)
    db.session.add(copy)
    db.session.flush()
    zero = dict.fromkeys(("enrolment", "classrooms", *COUNT_FIELDS), 0)
    rows = [{"drive_id": copy.id, "school_id": c.school_id, "grade": c.grade, "target_percent": c.target_percent,
             "cannot_issue_reason": "", **zero} for c in drive.counts]
    if rows:
        db.session.execute(insert(DriveCount), rows)
    audit.record(actor, "drive.created", "card_drive", copy.id,
                 {**audit.created({"name": copy.name, "starts_on": copy.starts_on, "ends_on": copy.ends_on,
                                   "grades": copy.grades, "target_percent": copy.target_percent}),
                  "copied_from": [None, drive.name]})
    db.session.commit()
    return copy


def update_drive(actor, drive: CardDrive, data: dict) -> None:
    """Its name, dates, grades and target; its status moves by the table (workflow.DRIVE)."""
    schools = sorted({c.school_id for c in drive.counts})
    _check(data, schools)
    if "status" in data:
        DRIVE.check_to(drive, data["status"])  # the table says where the status may go; populate records it
    grades = list(drive.grades)
    audit.populate_and_record(actor, drive, {**data, "grades": [g for g in GRADES if g in data["grades"]]},
                              "drive.updated", "card_drive", drive.id, DRIVE_FIELDS, always=True)
    added = [g for g in drive.grades if g not in grades]
    if added:
        _add_rows(drive, schools, added)
    removed = [g for g in grades if g not in drive.grades]
    if removed:  # rows of grades no longer in the drive go, unless something was counted in them
        nothing_counted = [getattr(DriveCount, f) == 0 for f in (*COUNT_FIELDS, "classrooms")]
        db.session.execute(delete(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.grade.in_(removed),
                                                    *nothing_counted))
    db.session.commit()


def record_counts(actor, count: DriveCount, read: dict, wanted: dict, more_than_enrolled: bool = False) -> DriveCount:
    """Apply what this person changed since they read the row, on top of what others saved meanwhile. A row that
    ends up counting more students than its (known) enrolment is saved only when `more_than_enrolled` says so."""
    errors = {f: _("Must be zero or more.") for f in (*COUNT_FIELDS, "enrolment", "classrooms")
              if wanted.get(f) is not None and wanted[f] < 0}
    if errors:
        raise Invalid(errors)
    deltas = {f: (wanted[f] or 0) - (read.get(f) or 0) for f in (*COUNT_FIELDS, "classrooms")
              if wanted.get(f) is not None and (wanted[f] or 0) != (read.get(f) or 0)}
    values = {f: getattr(DriveCount, f) + d for f, d in deltas.items()}
    for field in ("enrolment", "target_percent", "cannot_issue_reason"):
        if wanted.get(field) is not None and wanted[field] != read.get(field):
            values[field] = wanted[field]
    if values:
        db.session.execute(update(DriveCount).where(DriveCount.id == count.id).values(**values)
                           .execution_options(agreement_id=count.drive.agreement_id))
        db.session.refresh(count)
        if not more_than_enrolled:
            _check_enrolment(count)
        changes = {f: [read.get(f), wanted.get(f)] for f in values}
        audit.record(actor, "drive.counts_recorded", "card_drive", count.drive_id,
                     {**changes, "school": [None, count.school.name], "grade": [None, count.grade]})
    db.session.commit()
    db.session.refresh(count)
    return count


def _check_enrolment(count: DriveCount) -> None:
    counted = sum(getattr(count, f) or 0 for f in COUNT_FIELDS)
    if count.enrolment and counted > count.enrolment:
        raise Invalid({"more_than_enrolled": _(
            "This row would count %(counted)s students, more than the %(enrolled)s enrolled. Check the numbers, or tick "
            "the box to save them anyway.", counted=counted, enrolled=count.enrolment)})


def _check_room(count: DriveCount, added: int) -> None:
    """A student's card status is counted in their grade's row: a row whose counts were tallied by hand may already
    count its whole enrolment, and recording students on top would count more students than the grade has. Refused
    with words, never a percentage over 100 (the hand tally is corrected on the school's counts first)."""
    counted = sum(getattr(count, f) or 0 for f in COUNT_FIELDS)
    if added > 0 and count.enrolment and counted + added > count.enrolment:
        raise Invalid({"status": [_(
            "Grade %(grade)s already counts %(counted)s of its %(enrolled)s students (counts recorded by hand), so "
            "recording %(added)s more would count more students than are enrolled. Correct the grade's counts first.",
            grade=count.grade, counted=counted, enrolled=count.enrolment, added=added)]})


def set_card_status(actor, drive: CardDrive, student: Student, status: str) -> DriveCount | None:
    """One student's card, recorded from the roster: the counts of their school and grade follow (the row they
    moved is returned; None when nothing changed)."""
    if status not in CARD_STATUSES:
        raise Invalid({"status": _("Unknown card status.")})
    before = student.card_status
    if before == status:
        return
    count = db.session.scalar(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.school_id == student.school_id,
                                                       DriveCount.grade == student.grade))
    if count is None:
        raise Invalid({"status": _("This student's school and grade are not part of the drive.")})
    _check_room(count, bool(status) - bool(before))
    values = {}
    if before:
        values[before] = getattr(DriveCount, before) - 1
    if status:
        values[status] = getattr(DriveCount, status) + 1
    db.session.execute(update(DriveCount).where(DriveCount.id == count.id).values(**values).execution_options(agreement_id=drive.agreement_id))
    db.session.execute(update(Student).where(Student.id == student.id).values(card_status=status)
                       .execution_options(agreement_id=drive.agreement_id))
    audit.record(actor, "student.card_status", "card_drive", drive.id, {"student": [None, student.id], "card_status": [before, status]})
    db.session.commit()
    return count


def set_grade_status(actor, drive: CardDrive, school_id: int, grade: str, status: str) -> int:
    """Every active student of one school and grade at once (a grade handing its forms back together): each
    student's card, and the grade's counts moved by the same steps as one student's. Returns how many changed."""
    if status not in CARD_STATUSES:
        raise Invalid({"status": _("Unknown card status.")})
    count = db.session.scalar(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.school_id == school_id,
                                                       DriveCount.grade == grade))
    if count is None:
        raise Invalid({"grade": _("This grade is not part of the drive at this school.")})
    return _set_group_status(actor, drive, school_id, Student.grade == grade, status, {"grade": [None, grade]})


def set_class_status(actor, drive: CardDrive, school_id: int, class_name: str, status: str) -> int:
    """Every active student of one class at a school (those in the drive's grades) at once: each student's card,
    and the counts of each grade the class holds moved by the same steps as one student's. Returns how many changed."""
    if status not in CARD_STATUSES:
        raise Invalid({"status": _("Unknown card status.")})
    if class_name not in classes_of(drive, school_id):
        raise Invalid({"class_name": _("No student of the drive's grades at this school is in that class.")})
    return _set_group_status(actor, drive, school_id, Student.class_name == class_name, status, {"class": [None, class_name]})


def classes_of(drive: CardDrive, school_id: int) -> list[str]:
    """The classes of a school's active students in the drive's grades, by name."""
    return list(db.session.scalars(select(Student.class_name).distinct().where(
        Student.agreement_id == drive.agreement_id, Student.school_id == school_id, Student.active.is_(True),
        Student.grade.in_(drive.grades), Student.class_name != "").order_by(Student.class_name)))


def _set_group_status(actor, drive: CardDrive, school_id: int, group, status: str, detail: dict) -> int:
    """The card of every active student of a group (`group`: a condition on Student) at a school, in the grades the
    drive counts there; each grade's counts move by what its students had and now have."""
    counts = {c.grade: c for c in db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id,
                                                                               DriveCount.school_id == school_id))}
    counted = list(counts)
    opted_out = select(OptOut.source_id).where(OptOut.agreement_id == drive.agreement_id)
    where = (Student.agreement_id == drive.agreement_id, Student.school_id == school_id, group, Student.active.is_(True),
             Student.grade.in_(counted), Student.card_status != status, Student.source_id.not_in(opted_out))
    rows = db.session.execute(select(Student.grade, Student.card_status, func.count()).where(*where)
                              .group_by(Student.grade, Student.card_status)).all()
    changed = sum(n for _grade, _before, n in rows)
    if not changed:
        return 0
    added: dict[str, int] = {}  # students each grade counts in addition (a first status), or fewer ("Not yet")
    for grade, before, n in rows:
        added[grade] = added.get(grade, 0) + (bool(status) - bool(before)) * n
    for grade, more in added.items():
        _check_room(counts[grade], more)
    moves: dict[str, dict] = {}
    for grade, before, n in rows:
        values = moves.setdefault(grade, {})
        if before:
            values[before] = values.get(before, getattr(DriveCount, before)) - n
        if status:
            values[status] = values.get(status, getattr(DriveCount, status)) + n
    for grade, values in moves.items():
        db.session.execute(update(DriveCount).where(DriveCount.id == counts[grade].id).values(**values)
                           .execution_options(agreement_id=drive.agreement_id))
    db.session.execute(update(Student).where(*where).values(card_status=status).execution_options(
        synchronize_session=False, agreement_id=drive.agreement_id))
    audit.record(actor, "student.card_status", "card_drive", drive.id,
                 {**detail, "students": [None, changed], "card_status": [None, status]})
    db.session.commit()
    return changed


def enrolment_from_roster(actor, drive: CardDrive) -> int:
    """Set each school and grade's enrolment to the number of active students in the roster.

    Grades a school has students in get a row; rows of grades it has none in, with nothing
    counted yet, are dropped (a high school has no kindergarten)."""
    schools = {c.school_id for c in drive.counts}
    rows = db.session.execute(select(Student.school_id, Student.grade, func.count()).where(
        Student.agreement_id == drive.agreement_id, Student.active.is_(True), Student.school_id.in_(schools),
        Student.grade.in_(drive.grades)).group_by(Student.school_id, Student.grade)).all()
    found = {(s, g): n for s, g, n in rows}
    changed = 0
    for count in list(drive.counts):
        value = found.pop((count.school_id, count.grade), 0)
        untouched = not any(getattr(count, f) for f in (*COUNT_FIELDS, "classrooms"))
        if value == 0 and untouched:
            drive.counts.remove(count)
            changed += 1
        elif count.enrolment != value:
            count.enrolment, changed = value, changed + 1
    for (school_id, grade), value in found.items():
        drive.counts.append(DriveCount(school_id=school_id, grade=grade, enrolment=value, cannot_issue_reason=""))
        changed += 1
    audit.record(actor, "drive.enrolment_from_roster", "card_drive", drive.id, {"rows_changed": [None, changed]})
    db.session.commit()
    return changed


def school_counts(drive: CardDrive, school_id: int) -> list[DriveCount]:
    """One school's rows of the drive (one query: a drive across a district holds thousands)."""
    return list(db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id, DriveCount.school_id == school_id)
                                   .order_by(DriveCount.id)))


# ---- progress --------------------------------------------------------------------------------

def percent(covered: int, enrolment: int) -> float | None:
    return round(100 * covered / enrolment, 1) if enrolment else None


def badges(pct: float | None) -> list[int]:
    return [t for t in THRESHOLDS if pct is not None and pct >= t]


def summed(columns):
    """SUM(...) AS name for each count column (0 when there are no rows)."""
    return [func.coalesce(func.sum(getattr(DriveCount, f)), 0).label(f) for f in columns]


SUMMED = ("enrolment", "classrooms", *COUNT_FIELDS)


def progress_row(name, values: dict, target) -> dict:
    covered = values["issued"] + values["already_had"]
    pct = percent(covered, values["enrolment"])
    return {"name": name, **values, "covered": covered, "percent": pct, "target": target, "badges": badges(pct),
            "met": pct is not None and pct >= target}


def by_school(drive: CardDrive, schools: frozenset[int] | None = None) -> list[dict]:
    """A progress row per school of the drive (only these `schools`, when given), named by the school (one query)."""
    query = (select(DriveCount.school_id, Organisation.name, *summed(SUMMED), func.max(DriveCount.target_percent))
             .join(Organisation, Organisation.id == DriveCount.school_id)
             .where(DriveCount.drive_id == drive.id).group_by(DriveCount.school_id, Organisation.name))
    if schools is not None:
        query = query.where(among(DriveCount.school_id, schools))
    out = []
    for row in db.session.execute(query):
        values = {f: getattr(row, f) for f in SUMMED}
        item = progress_row(row.name, values, row[-1] or drive.target_percent)
        item["school_id"] = row.school_id
        out.append(item)
    return sorted(out, key=lambda r: r["name"])


def by_grade(drive: CardDrive, schools: frozenset[int] | None = None) -> list[dict]:
    """A progress row per grade, over the drive's schools (only these `schools`, when given)."""
    query = select(DriveCount.grade, *summed(SUMMED)).where(DriveCount.drive_id == drive.id).group_by(DriveCount.grade)
    if schools is not None:
        query = query.where(among(DriveCount.school_id, schools))
    rows = {r.grade: r for r in db.session.execute(query)}
    return [progress_row(g, {f: getattr(rows[g], f) for f in SUMMED}, drive.target_percent) for g in GRADES if g in rows]


def total(drive: CardDrive) -> dict:
    row = db.session.execute(select(*summed(SUMMED)).where(DriveCount.drive_id == drive.id)).one()
    return progress_row(drive.name, {f: getattr(row, f) for f in SUMMED}, drive.target_percent)


def of_agreement(agreement_id: int, schools: frozenset[int] | None = None) -> list[dict]:
    """The agreement's drives, newest first, each with its dates, status and progress (over these `schools` only,
    when given), in one query."""
    counted = DriveCount.drive_id == CardDrive.id
    if schools is not None:
        counted = and_(counted, among(DriveCount.school_id, schools))
    query = (select(CardDrive.id, CardDrive.name, CardDrive.status, CardDrive.starts_on, CardDrive.ends_on,
                    CardDrive.target_percent, *summed(SUMMED))
             .outerjoin(DriveCount, counted).where(CardDrive.agreement_id == agreement_id).group_by(CardDrive.id)
             .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()))
    return [{**progress_row(row.name, {f: getattr(row, f) for f in SUMMED}, row.target_percent), "id": row.id,
             "status": row.status, "starts_on": row.starts_on, "ends_on": row.ends_on} for row in db.session.execute(query)]


def drive_progress(agreement_ids, limit: int = 10) -> list[dict]:
    """For the dashboard: the latest active drives of these agreements (a list or a SELECT of ids; None: all), with
    their totals, in one query. The drives are chosen first and only theirs are summed: summing every drive under
    way and keeping ten read all of a state's counts (40 ms for an admin of the statewide set, under 1 ms now)."""
    latest = (select(CardDrive.id).where(CardDrive.status.in_(ACTIVE))
              .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()).limit(limit))
    if agreement_ids is not None:
        latest = latest.where(inside(CardDrive.agreement_id, agreement_ids))
    latest = latest.subquery()
    query = (select(CardDrive.id, CardDrive.agreement_id, CardDrive.name, CardDrive.status, CardDrive.target_percent,
                    *summed(SUMMED))
             .join(latest, latest.c.id == CardDrive.id)
             .outerjoin(DriveCount, DriveCount.drive_id == CardDrive.id).group_by(CardDrive.id)
             .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()))
    out = []
    for row in db.session.execute(query):
        item = progress_row(row.name, {f: getattr(row, f) for f in SUMMED}, row.target_percent)
        out.append({**item, "id": row.id, "agreement_id": row.agreement_id, "status": row.status})
    return out


def past_their_end(agreement_ids, today, limit: int = 10) -> list[CardDrive]:
    """Drives still open (not closed) whose end date has passed, of these agreements (a list or a SELECT of ids;
    None: all): they ask to be closed."""
    query = (select(CardDrive).where(CardDrive.status.in_(ACTIVE), CardDrive.ends_on < today)
             .order_by(CardDrive.ends_on, CardDrive.id).limit(limit))
    if agreement_ids is not None:
        query = query.where(inside(CardDrive.agreement_id, agreement_ids))
    return list(db.session.scalars(query))


def school_progress(agreement_ids, schools: frozenset[int], limit: int = 10) -> list[dict]:
    """For the dashboard of someone who works on their own schools: each drive under way of these agreements (a list
    or a SELECT of ids), with the progress of each of their schools in it (one query)."""
    query = (select(CardDrive.id, CardDrive.agreement_id, CardDrive.name, CardDrive.status, CardDrive.target_percent,
                    DriveCount.school_id,
                    Organisation.name.label("school"), *summed(SUMMED))
             .join(DriveCount, DriveCount.drive_id == CardDrive.id).join(Organisation, Organisation.id == DriveCount.school_id)
             .where(CardDrive.status.in_(ACTIVE), inside(CardDrive.agreement_id, agreement_ids),
                    among(DriveCount.school_id, schools))
             .group_by(CardDrive.id, CardDrive.agreement_id, DriveCount.school_id, Organisation.name)
             .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc(), Organisation.name).limit(limit))
    out = []
    for row in db.session.execute(query):
        item = progress_row(row.name, {f: getattr(row, f) for f in SUMMED}, row.target_percent)
        out.append({**item, "id": row.id, "agreement_id": row.agreement_id, "status": row.status, "school_id": row.school_id,
                    "school": row.school})
    return out
