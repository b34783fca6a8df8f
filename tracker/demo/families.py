"""The demo's letters home: codes for every student of the first school in the September drive (its letters
printed), and a dozen families' answers on the family page, some in Spanish."""
from datetime import datetime

from sqlalchemy import select, update

from tracker.audit.service import Actor
from tracker.cards.models import CardDrive, OptOut, Student
from tracker.extensions import db
from tracker.families import answers, choices, codes
from tracker.families.models import FamilyCode

FAMILY = Actor(label="family page (demo)")


def seed(mou, drive: CardDrive) -> None:
    school_id = min(c.school_id for c in drive.counts)
    opted_out = select(OptOut.source_id).where(OptOut.agreement_id == mou.id)
    students = list(db.session.scalars(select(Student.id).where(
        Student.agreement_id == mou.id, Student.school_id == school_id, Student.active.is_(True),
        Student.grade.in_(drive.grades), Student.source_id.not_in(opted_out)).order_by(Student.id)))
    issued = codes.issue(drive.id, mou.id, students)
    db.session.execute(update(FamilyCode).where(FamilyCode.drive_id == drive.id)
                       .values(printed_at=datetime.utcnow()).execution_options(agreement_id=mou.id))
    db.session.commit()
    waiting = [issued[s] for s in students if not db.session.get(Student, s).card_status]
    for n, family in enumerate(waiting[:12]):
        code = codes.code_of(family.seed)
        language = "es" if n % 3 == 0 else "en"
        answers.answer(FAMILY, code, choices.OPT_OUT, language)
        if n in (4, 8):  # changed their minds: a card after all
            answers.answer(FAMILY, code, choices.CONSENT, language)
