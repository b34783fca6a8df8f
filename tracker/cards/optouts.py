"""Opt-outs and consents: recorded per student (by source id, so they hold across re-imports), one at a time
or from a CSV list. An opted-out student never appears in a patron export; under an opt-in consent model, a
student without a recorded consent never does either."""
import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import insert, select

from tracker.audit import service as audit
from tracker.cards import rosterfile
from tracker.cards.models import Consent, OptOut, Student
from tracker.extensions import db
from tracker.fields import has_control
from tracker.validation import Invalid

ID_COLUMNS = ("sourcedId", "source_id", "student_id", "identifier", "id")


def check_own_students(agreement_id: int, source_ids: list[str], school_ids: frozenset[int] | None) -> None:
    """A user who works on some schools only (`school_ids`; None: every school of the agreement) may not opt out
    another school's students (ids not yet in any roster are allowed: forms often come back before the roster does)."""
    wanted = {s.strip() for s in source_ids if s and s.strip()}
    _check_ids(wanted)
    if school_ids is None:
        return
    elsewhere = set(db.session.scalars(select(Student.source_id).where(
        Student.agreement_id == agreement_id, Student.school_id.not_in(school_ids or ()), Student.source_id.in_(wanted))))
    if elsewhere:
        raise Invalid({"source_ids": _("These ids are students of other schools, whose staff record their opt-outs: %(ids)s.",
                                       ids=", ".join(sorted(elsewhere)[:20]))})


OPT_OUT, CONSENT = "opt_out", "consent"
# What is recorded: its table, the column of its date, its audit action and the name of its count there.
KINDS = {OPT_OUT: (OptOut, "opted_out_on", "roster.opted_out", "opt_outs"),
         CONSENT: (Consent, "given_on", "roster.consented", "consents")}


def record(actor, agreement_id: int, source_ids: list[str], on: date, source: str, user_id: int | None,
           kind: str = OPT_OUT) -> int:
    """Add opt-outs (or consents) for these ids (those already recorded are left as they are); returns how many are new."""
    if kind not in KINDS:
        raise Invalid({"kind": _("Choose opt-outs or consents.")})
    model, day, action, counted = KINDS[kind]
    wanted = {s.strip() for s in source_ids if s and s.strip()}
    if not wanted:
        raise Invalid({"source_ids": _("Give at least one student id.")})
    _check_ids(wanted)
    known = set(db.session.scalars(select(model.source_id).where(model.agreement_id == agreement_id,
                                                                model.source_id.in_(wanted))))
    new = sorted(wanted - known)
    if new:
        db.session.execute(insert(model), [{"agreement_id": agreement_id, "source_id": s, day: on,
                                            "source": source[:100], "recorded_by_id": user_id} for s in new])
    audit.record(actor, action, "agreement", agreement_id, {counted: [None, len(new)], "source": [None, source]})
    db.session.commit()
    return len(new)


def _check_ids(ids: set[str]) -> None:
    """Ids a roster could hold: no longer than its column, no control characters (a file can carry any)."""
    longest = OptOut.source_id.type.length
    too_long = sorted(i for i in ids if len(i) > longest)
    if too_long:
        raise Invalid({"source_ids": _("These ids are longer than %(n)s characters: %(ids)s.", n=longest,
                                       ids=", ".join(i[:20] + "…" for i in too_long[:5]))})
    if any(has_control(i) for i in ids):
        raise Invalid({"source_ids": _("Remove the control characters (such as NUL) from the ids.")})


def ids_from_csv(data: bytes, name: str) -> list[str]:
    """Student ids from a CSV list: the column named like an id, or the only column."""
    problems: list[rosterfile.Problem] = []
    text = rosterfile.decode(data, name)
    cells = {c.strip().strip('"') for c in re.split(r"[,;\t]", text.split("\n", 1)[0])}
    if not cells & set(ID_COLUMNS):  # a bare list of ids, no header
        return [row[0].strip() for _line, row in rosterfile.rows_of(text, name, problems) if row and row[0].strip()]
    header, rows = rosterfile.table(text, name, problems)
    column = next(c for c in ID_COLUMNS if c in header)
    return [r[column] for _line, r in rows if r.get(column)]
