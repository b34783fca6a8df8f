"""Students a roster import would mark as left: counted per school in the preview, with warnings that need
an explicit choice before the commit, and the choice to treat the file as partial (mark nobody as left).

A file that covers only some of the agreement's schools, or would mark more than a tenth of a school as left,
is more likely a partial export than a real change: the preview says so and the commit waits for a choice.
"""
import json
from collections import Counter

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import formats
from tracker.cards.models import Student
from tracker.extensions import db
from tracker.scope.sql import among

SHARE = 0.10  # more than this share of a school marked as left is worth a warning
MARK, PARTIAL = "mark", "partial"  # what the commit does with the students the file lacks


def per_school(existing: dict, left_ids: list[int], schools: dict) -> list[dict]:
    """For each school losing students: its name, students on the roster, how many would be marked as left."""
    on_roster = Counter(s.school_id for s in existing.values() if s.active)
    left = set(left_ids)
    leaving = Counter(s.school_id for s in existing.values() if s.id in left)
    rows = [{"school_id": school_id, "name": schools[school_id].name, "on_roster": on_roster[school_id], "left": n,
             "percent": round(100 * n / on_roster[school_id]) if on_roster[school_id] else 0}
            for school_id, n in leaving.items()]
    return sorted(rows, key=lambda r: r["name"])


def warnings(file_format: str, seen_schools: set, schools: dict, by_school: list[dict]) -> list[str]:
    """What the preview must warn about (each needs the choice to be made explicitly)."""
    out = []
    if file_format != "plain" and seen_schools and len(seen_schools) < len(schools):
        missing = sorted(s.name for i, s in schools.items() if i not in seen_schools)
        out.append(_("This file covers %(n)s of the agreement's %(total)s schools; it has no students of %(missing)s. "
                     "If it is only part of the roster, choose “This file is partial”.",
                     n=len(seen_schools), total=len(schools), missing=", ".join(missing)))
    for row in by_school:
        if row["on_roster"] and row["left"] / row["on_roster"] > SHARE:
            out.append(_("%(school)s: %(n)s of its %(total)s students (%(pct)s) would be marked as left.",
                         school=row["name"], n=row["left"], total=row["on_roster"], pct=formats.percent(row["percent"])))
    return out


def names(parsed: str | None, schools: frozenset[int] | None, limit: int = 200) -> dict[int, list[str]]:
    """The students the import would mark as left, by school, among the schools the user may see (`schools`,
    None: all), from the kept preview."""
    if not parsed:
        return {}
    ids = json.loads(parsed)["left"][:5000]
    if not ids:
        return {}
    query = select(Student.school_id, Student.given_name, Student.family_name, Student.source_id).where(Student.id.in_(ids))
    if schools is not None:
        query = query.where(among(Student.school_id, schools))
    out: dict[int, list[str]] = {}
    for school_id, given, family, source_id in db.session.execute(query.order_by(Student.family_name, Student.given_name)):
        shown = out.setdefault(school_id, [])
        if len(shown) < limit:
            shown.append(f"{family}, {given} ({source_id})" if family or given else source_id)
    return out
