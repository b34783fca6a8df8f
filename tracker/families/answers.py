"""A family's answer on /family: what the page may show for a code, and recording the choice.

The page shows only the school, the student's first name and last initial, the programme's summary and the
choices its consent model offers. An answer is the family's latest word: an opt-out replaces a consent given
before and the other way round (whoever recorded it: a family's own word wins). The drive's opted-out count
moves with it, and the audit log records the answer without the student's name.
"""
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import joinedload

from tracker import clock, languages
from tracker.audit import service as audit
from tracker.cards.models import CardProgramme, Consent, DriveCount, OptOut, Student
from tracker.extensions import db
from tracker.families import choices, codes
from tracker.families.models import FamilyCode
from tracker.validation import Invalid

SOURCE = "family page"


@dataclass(frozen=True)
class Letter:
    """What the family page shows for a code: nothing a code does not need."""

    code: str  # as printed
    school: str
    first_name: str
    last_initial: str
    drive: str
    programme: CardProgramme | None
    offered: tuple[str, ...]
    answer: str
    answered_at: datetime | None
    school_organisation: object  # its time zone says when the answer was given


def look_up(typed: str | None) -> tuple[FamilyCode, Letter] | None:
    """The live code a family typed and what its page shows; None for a wrong, revoked or purged code. A right and
    a wrong code cost the same: one digest and one query (the student, school, drive and programme come with it)."""
    code = codes.typed(typed)
    wanted = codes.digest(code or "-" * codes.LENGTH)
    row = db.session.execute(
        select(FamilyCode, CardProgramme).outerjoin(CardProgramme, CardProgramme.agreement_id == FamilyCode.agreement_id)
        .where(FamilyCode.digest == wanted, FamilyCode.revoked_at.is_(None))
        .options(joinedload(FamilyCode.student).joinedload(Student.school), joinedload(FamilyCode.drive))).first()
    if row is None or code is None:
        return None
    found, programme = row
    student = found.student
    return found, Letter(codes.shown(code), student.school.name, student.given_name or _("your child"),
                         (student.family_name or "")[:1], found.drive.name, programme,
                         choices.offered(programme.consent_model if programme else "opt_out", found.answer), found.answer,
                         found.answered_at, student.school)


def answer(actor, typed: str | None, choice: str, language: str) -> None:
    """Record the family's choice for the code typed (Invalid: a code that answers nothing, or a choice the
    programme's consent model does not offer)."""
    found = look_up(typed)
    if found is None:
        raise Invalid({"code": unknown_code()})
    family, letter = found
    if choice not in letter.offered:
        raise Invalid({"choice": _("Choose one of the answers on this page.")})
    student = family.student
    before = family.answer
    if before != choice:
        opted_out = _record(family, student, choice)
        _move_count(family, student, opted_out)
    now = datetime.utcnow()
    _write(family, update(FamilyCode).where(FamilyCode.id == family.id)
           .values(answer=choice, answered_at=now, answer_language=language[:10]))
    audit.record(actor, "family.answered", "card_drive", family.drive_id, {
        "answer": [before or None, choice], "family_code": [None, family.id], "school": [None, student.school.name],
        "grade": [None, student.grade], "language": [None, languages.name(language)]})
    db.session.commit()


def unknown_code() -> str:
    """The one message for a code that is wrong, revoked or purged: it says nothing about which."""
    return _("We could not find this code. Check it against the letter (it has 12 letters and digits), or ask "
             "the school for a new letter.")


def _record(family: FamilyCode, student: Student, choice: str) -> int:
    """The opt-out or consent by the student's source id, replacing the other; returns how the student's opted-out
    state moved (+1 now opted out, -1 no longer, 0 unchanged)."""
    agreement_id, source_id = family.agreement_id, student.source_id
    today = clock.today_of(student.school)
    was_out = db.session.scalar(select(OptOut.id).where(OptOut.agreement_id == agreement_id,
                                                        OptOut.source_id == source_id)) is not None
    if choice == choices.OPT_OUT:
        _write(family, delete(Consent).where(Consent.agreement_id == agreement_id, Consent.source_id == source_id))
        if not was_out:
            _write(family, insert(OptOut).values(agreement_id=agreement_id, source_id=source_id, opted_out_on=today,
                                                     source=SOURCE))
        return 0 if was_out else 1
    _write(family, delete(OptOut).where(OptOut.agreement_id == agreement_id, OptOut.source_id == source_id))
    has_consent = db.session.scalar(select(Consent.id).where(Consent.agreement_id == agreement_id,
                                                             Consent.source_id == source_id)) is not None
    if not has_consent:
        _write(family, insert(Consent).values(agreement_id=agreement_id, source_id=source_id, given_on=today,
                                                  source=SOURCE))
    return -1 if was_out else 0


def _move_count(family: FamilyCode, student: Student, opted_out: int) -> None:
    """The drive's row for the student's school and grade: one student, one count. Opting out takes the student
    out of a card status recorded before (the family refused the card); opting back in only lowers the opted-out
    count, never below nothing."""
    if not opted_out:
        return
    where = (DriveCount.drive_id == family.drive_id, DriveCount.school_id == student.school_id,
             DriveCount.grade == student.grade)
    count_id = db.session.scalar(select(DriveCount.id).where(*where))
    if count_id is None:
        return
    values = {"opted_out": DriveCount.opted_out + 1} if opted_out > 0 else {"opted_out": DriveCount.opted_out - 1}
    if opted_out > 0 and student.card_status:
        values[student.card_status] = getattr(DriveCount, student.card_status) - 1
        _write(family, update(Student).where(Student.id == student.id).values(card_status=""))
    _write(family, update(DriveCount).where(DriveCount.id == count_id, *(
        [] if opted_out > 0 else [DriveCount.opted_out > 0])).values(**values))


def _write(family: FamilyCode, statement) -> None:
    """A write about the code's agreement (its cached pages go stale, no one else's)."""
    db.session.execute(statement.execution_options(agreement_id=family.agreement_id))
