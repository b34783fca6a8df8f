"""What staff see of the families' answers: per school, grade and class, the letters printed and the answers
(opted out, consented or activated, not yet answered), on the drive's page. Below a party, only the user's
own schools."""
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from tracker.cards.drive_sections import DriveSection, add_section
from tracker.cards.models import GRADES, Student
from tracker.extensions import db
from tracker.families import choices
from tracker.families.models import FamilyCode
from tracker.orgs.models import Organisation


@dataclass
class Answers:
    """The answers of one group (a school, a grade of it, or a class)."""

    name: str
    letters: int = 0
    printed: int = 0
    opted_out: int = 0
    consented: int = 0
    groups: list["Answers"] = field(default_factory=list)

    @property
    def unanswered(self) -> int:
        return self.letters - self.opted_out - self.consented

    def add(self, other: "Answers") -> None:
        self.letters += other.letters
        self.printed += other.printed
        self.opted_out += other.opted_out
        self.consented += other.consented


def by_school(drive, school_ids: frozenset[int] | None) -> list[Answers]:
    """Each school's answers, with its grades, and each grade's classes (a class: a student's class name)."""
    gives_card = FamilyCode.answer.in_([c for c in choices.CHOICES if choices.gives_card(c)])
    query = (select(Organisation.name, Student.grade, Student.class_name, func.count(FamilyCode.id),
                    func.count(FamilyCode.printed_at),
                    func.sum(case((FamilyCode.answer == choices.OPT_OUT, 1), else_=0)),
                    func.sum(case((gives_card, 1), else_=0)))
             .join(Student, Student.id == FamilyCode.student_id).join(Organisation, Organisation.id == Student.school_id)
             .where(FamilyCode.drive_id == drive.id, FamilyCode.revoked_at.is_(None))
             .group_by(Organisation.name, Student.grade, Student.class_name)
             .order_by(Organisation.name, Student.grade, Student.class_name))
    if school_ids is not None:
        query = query.where(Student.school_id.in_(school_ids or ()))
    schools: dict[str, Answers] = {}
    for school, grade, class_name, letters, printed, opted_out, consented in db.session.execute(query):
        row = Answers(class_name, letters, printed, opted_out or 0, consented or 0)
        school_row = schools.setdefault(school, Answers(school))
        grade_row = next((g for g in school_row.groups if g.name == grade), None)
        if grade_row is None:
            grade_row = Answers(grade)
            school_row.groups.append(grade_row)
        grade_row.add(row)
        school_row.add(row)
        if class_name:
            grade_row.groups.append(row)
    order = {grade: i for i, grade in enumerate(GRADES)}
    for school in schools.values():
        school.groups.sort(key=lambda g: order.get(g.name, len(order)))
    return list(schools.values())


def load(drive, school_ids: frozenset[int] | None) -> dict | None:
    schools = by_school(drive, school_ids)
    total = Answers("")
    for school in schools:
        total.add(school)
    return {"answers": schools, "answers_total": total}


add_section(DriveSection("family-answers", "families/_drive_answers.html", load))
