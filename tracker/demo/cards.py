"""The demo card programme: spec and programme on the MOU, a roster of about 2,000 students from a
generated OneRoster zip (users.csv, with each student's homeroom in classes.csv and enrollments.csv; imported
through the same preview and commit as a real one), and a
September drive over the eight schools, part-way through."""
import io
import random
import zipfile
from datetime import date

from sqlalchemy import select, update

from tracker.cards import drives, optouts, programme, roster, workflow
from tracker.cards.models import DriveCount, OptOut, RosterImport, Student
from tracker.extensions import db

GIVEN = ["Ava", "Liam", "Mia", "Noah", "Sofia", "Mateo", "Isla", "Ethan", "Zoe", "Lucas", "Amara", "Diego", "Chloe",
         "Kai", "Leah", "Omar", "Priya", "Sam", "Yuki", "Elena", "Jonah", "Nia", "Theo", "Ruby"]
FAMILY = ["Garcia", "Nguyen", "Smith", "Patel", "Kim", "Lopez", "Johnson", "Chen", "Martinez", "Brown", "Okafor",
          "Rossi", "Hernandez", "Singh", "Davis", "Tanaka", "Wilson", "Moreno", "Clark", "Ali"]
GRADES_BY_LEVEL = {"Elementary": ["K", "01", "02", "03", "04", "05"], "Middle": ["06", "07", "08"], "High": ["09", "10", "11", "12"]}
PER_SCHOOL = 250
HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,"
          "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password")


CLASSES_PER_GRADE = 2  # homerooms, e.g. "Room 3A (Ms Garcia)"


def roster_csv(schools) -> bytes:
    rng = random.Random(2026)
    lines = [HEADER]
    number = 0
    for school in schools:
        grades = next(g for level, g in GRADES_BY_LEVEL.items() if level in school.name)
        for i in range(PER_SCHOOL):
            number += 1
            grade = grades[i % len(grades)]
            lines.append(f"stu-{number:05d},,,true,{school.sourced_id},student,s{number:05d},,{rng.choice(GIVEN)},"
                         f"{rng.choice(FAMILY)},,{400000 + number},,,,,{grade},")
    return ("\n".join(lines) + "\n").encode()


def roster_zip(schools) -> bytes:
    """The demo roster as a OneRoster zip: users.csv, and each student's homeroom in classes.csv and enrollments.csv."""
    users = roster_csv(schools)
    classes, enrollments = ["sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
                            "schoolSourcedId,termSourcedIds"], ["sourcedId,status,dateLastModified,classSourcedId,"
                                                                 "schoolSourcedId,userSourcedId,role,primary"]
    made = set()
    for n, line in enumerate(users.decode().splitlines()[1:], start=1):
        cells = line.split(",")
        school, grade, index = cells[4], cells[16], (n // 7) % CLASSES_PER_GRADE
        class_id = f"cls-{school}-{grade}-{index}"
        if class_id not in made:
            made.add(class_id)
            teacher = FAMILY[(len(made) * 7) % len(FAMILY)]
            title = f"Room {grade.lstrip('0') or grade}{'AB'[index]} ({teacher})"
            classes.append(f"{class_id},,,{title},{grade},,{class_id},homeroom,,{school},")
        enrollments.append(f"enr-{n:05d},,,{class_id},{school},{cells[0]},student,true")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("users.csv", users)
        archive.writestr("classes.csv", "\n".join(classes) + "\n")
        archive.writestr("enrollments.csv", "\n".join(enrollments) + "\n")
    return out.getvalue()


def seed(actor, mou, today: date) -> None:
    year = mou.effective_date.year
    programme.save_spec(actor, mou, {
        "allowed_fields": ["given_name", "family_name", "identifier", "grade", "class_name"], "legal_basis": "school_official",
        "transfer_method": "sftp", "transfer_frequency": "nightly",
        "subprocessors": "The library's ILS hosting provider (patron records only).",
        "retention_days_after_end": 30, "destroy_on": None,
    })
    programme.save_programme(actor, mou, {
        "card_model": "full", "checkout_limit": 10, "hold_limit": 5, "fines_free": True, "lost_item_billing": False,
        "interlibrary_loan": True, "card_form": "physical", "consent_model": "opt_out", "barcode_prefix": "2100",
        "barcode_source": "identifier", "pin_rule": "id_last4", "expiry_month": 9, "expiry_day": 15, "ils": "koha",
        "patron_category": "STUDENT", "branch_code": "",
    })
    schools = programme.schools_of(mou.id)
    staged = RosterImport(agreement_id=mou.id, filename="rusd-oneroster.zip", upload=roster_zip(schools), status=workflow.UPLOADED)
    db.session.add(staged)
    db.session.commit()
    roster.preview(staged)
    roster.commit(actor, staged, today)
    optouts.record(actor, mou.id, [f"stu-{n:05d}" for n in range(7, 2000, 97)], date(year, 9, 5), "paper form", None)
    drive = drives.create(actor, mou, {
        "name": f"Library Card Sign-up Month {year}", "starts_on": date(year, 9, 1), "ends_on": date(year, 9, 30),
        "status": workflow.COLLECTING, "grades": ["K"] + [f"{g:02d}" for g in range(1, 13)], "target_percent": 90,
    }, [s.id for s in schools])
    drives.enrolment_from_roster(actor, drive)
    # Part-way through: each school further along than the one before it. Where a school has a roster, its
    # counts are what its students' card statuses say (the first students of each grade issued, the next ones
    # already holding a card) and its opted-out count is its opted-out students, so recording more students from
    # the roster moves only those whose status changes and never counts past a grade's enrolment.
    rows = db.session.scalars(select(DriveCount).where(DriveCount.drive_id == drive.id).order_by(DriveCount.id)).all()
    order = {s.id: i for i, s in enumerate(schools)}
    opted_out = set(db.session.scalars(select(OptOut.source_id).where(OptOut.agreement_id == mou.id)))
    students: dict[tuple, list] = {}
    for student in db.session.execute(select(Student.id, Student.source_id, Student.school_id, Student.grade)
                                      .where(Student.agreement_id == mou.id, Student.active.is_(True)).order_by(Student.id)):
        students.setdefault((student.school_id, student.grade), []).append(student)
    values, statuses = [], []
    for row in rows:
        share = 0.30 + 0.08 * order[row.school_id]
        issued, already_had = int(row.enrolment * share), int(row.enrolment * 0.10)
        grade = students.get((row.school_id, row.grade))
        if grade:
            willing = [s.id for s in grade if s.source_id not in opted_out]
            issued, already_had = min(issued, len(willing)), min(already_had, max(0, len(willing) - issued))
            statuses += [{"id": i, "card_status": "issued"} for i in willing[:issued]]
            statuses += [{"id": i, "card_status": "already_had"} for i in willing[issued:issued + already_had]]
            opted = len(grade) - len(willing)
        else:  # no roster: tallied by hand
            opted = int(row.enrolment * 0.02)
        values.append({"id": row.id, "issued": issued, "already_had": already_had, "opted_out": opted,
                       "classrooms": max(1, row.enrolment // 25)})
    db.session.execute(update(DriveCount), values)
    if statuses:
        db.session.execute(update(Student), statuses)
    from tracker.audit import service as audit

    audit.record(actor, "drive.counts_recorded", "card_drive", drive.id, {"rows": [None, len(values)]})
    db.session.commit()
    from tracker.demo import families, outcomes

    families.seed(mou, drive)
    outcomes.seed(actor, drive, today)
