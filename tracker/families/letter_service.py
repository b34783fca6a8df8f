"""Letters home: a programme's wording saved (checked, audited, with a version check), a print run as a job (one PDF
for the printer, its codes marked printed), and one student's code revoked and the letter printed again.

The run's PDF is kept in the instance folder for the one who started it (KEPT_HOURS, then the next run deletes it):
it holds students' first names and their codes.
"""
import time
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select, update

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.audit.service import Actor
from tracker.auth.models import User
from tracker.cards import privacy
from tracker.cards.models import CardDrive, Student
from tracker.extensions import db
from tracker.families import codes, letter_texts, letters
from tracker.families.models import FamilyCode, FamilyLetter
from tracker.jobs import service as jobs
from tracker.jobs.models import Job
from tracker.orgs.models import Organisation
from tracker.validation import Conflict, Invalid

KIND = "families.letters"
TASK = "tracker.families.letter_service:print_job"
KEPT_HOURS = 48
STEP = 25  # letters written between two progress reports


# ---- the wording --------------------------------------------------------------------------------

def save_wording(actor: Actor, agreement: Agreement, code: str, body: str, version: int | None) -> FamilyLetter:
    """Save the programme's wording of the letter in one language: refused (Invalid, beside the field) when the
    clause language refuses it; Conflict when someone saved since `version` was read (0 or None: none was saved)."""
    if code not in letter_texts.LANGUAGES:
        raise Invalid({"": _("Letters are written in English or Spanish.")})
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise Invalid({"body": _("Write the letter, or start from the standard text.")})
    problems = letter_texts.problems(body)
    if problems:
        raise Invalid({"body": problems})
    current = letters.wording(agreement.id, code)
    now = datetime.utcnow()
    if current is None:
        if version:
            raise Conflict([])
        current = FamilyLetter(agreement_id=agreement.id, language=code, body=body, version=1, updated_at=now)
        db.session.add(current)
        db.session.flush()
        audit.record(actor, "family_letter.created", "agreement", agreement.id, {"language": code, "body": [None, body]})
    else:
        if (version or 0) != current.version:
            raise Conflict([])
        audit.populate_and_record(actor, current, {"body": body}, "family_letter.updated", "agreement", agreement.id,
                                  ("body",), about={"language": code}, always=True)
        current.version += 1
        current.updated_at = now
    db.session.commit()
    return current


# ---- a print run as a job ---------------------------------------------------------------------

def start_printing(user: User, agreement: Agreement, drive: CardDrive, selection: letters.Selection,
                   schools: frozenset[int] | None) -> Job:
    """Start the print run (Invalid: a selection the user cannot print, or one nobody gets a letter in)."""
    found = letters.students(drive, selection, schools)
    if not found:
        raise Invalid({"": _("No student gets a letter in this selection: nobody active in the drive's grades "
                             "there, or every family has opted out.")})
    school = db.session.get(Organisation, selection.school_id)
    title = ngettext("Letters home for %(school)s: %(num)s student", "Letters home for %(school)s: %(num)s students",
                     len(found), school=school.name)
    return jobs.start(KIND, title, TASK, {
        "agreement_id": agreement.id, "drive_id": drive.id, "user_id": user.id, "school_id": selection.school_id,
        "grade": selection.grade, "class_name": selection.class_name, "run": selection.run,
        "schools": sorted(schools) if schools is not None else None}, user.id)


def print_job(job_id: int, agreement_id: int, drive_id: int, user_id: int, school_id: int, grade: str, class_name: str,
              run: str, schools: list[int] | None) -> dict:
    """The run: codes issued where missing, a page per letter, one PDF kept for download, codes marked printed."""
    agreement, drive = db.session.get(Agreement, agreement_id), db.session.get(CardDrive, drive_id)
    selection = letters.Selection(school_id, grade, class_name, run)
    found = letters.students(drive, selection, frozenset(schools) if schools is not None else None)
    total = len(found)
    weight = 4 * max(total, 1)  # laying out the pages takes about three times as long as writing them
    jobs.progress(job_id, 0, weight, _("Giving each student a family code"))
    issued = letters.codes_for(drive, [row.id for row in found])
    db.session.commit()
    builder = letters.Run(agreement, drive)
    pages = []
    for done, row in enumerate(found, start=1):
        pages += builder.pages(row, run, codes.code_of(issued[row.id].seed))
        if done % STEP == 0 or done == total:
            jobs.progress(job_id, done, weight, _("Writing letter %(done)s of %(total)s", done=done, total=total))
    jobs.progress(job_id, total, weight, ngettext("Laying out %(num)s page for the printer",
                                                  "Laying out %(num)s pages for the printer", len(pages)))
    data = letters.pdf(builder.html(pages))
    path = output_path(job_id)
    _drop_old(path.parent)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    _printed(drive, [issued[row.id].id for row in found])
    school = db.session.get(Organisation, school_id)
    audit.record(_actor(user_id), "family.letters_printed", "card_drive", drive.id, {
        "letters": [None, total], "school": [None, school.name], **({"grade": [None, grade]} if grade else {}),
        **({"class_name": [None, class_name]} if class_name else {}), "language": [None, run]})
    db.session.commit()
    url = current_app.url_map.bind("localhost").build("letters.download", {
        "agreement_id": agreement_id, "drive_id": drive_id, "job_id": job_id})
    return {"letters": total, "pages": len(pages), "url": url,
            "link_text": ngettext("Download %(num)s letter (PDF)", "Download %(num)s letters (PDF)", total)}


def output_path(job_id: int) -> Path:
    return Path(current_app.instance_path) / "letters" / f"letters-{job_id}.pdf"


def download_path(job: Job | None, agreement_id: int, drive_id: int) -> Path | None:
    """The run's PDF, when `job` is a finished print run of this drive and its file is still kept."""
    if job is None or job.kind != KIND or job.status != "done":
        return None
    params = job.params or {}
    if params.get("agreement_id") != agreement_id or params.get("drive_id") != drive_id:
        return None
    path = output_path(job.id)
    return path if path.exists() else None


def _drop_old(folder: Path) -> None:
    """Runs' PDFs kept longer than KEPT_HOURS go: they hold students' names and codes."""
    if not folder.exists():
        return
    cutoff = time.time() - KEPT_HOURS * 3600
    for old in folder.glob("letters-*.pdf"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)


def _printed(drive: CardDrive, code_ids: list[int]) -> None:
    now = datetime.utcnow()
    for start in range(0, len(code_ids), 1000):
        db.session.execute(update(FamilyCode).where(FamilyCode.id.in_(code_ids[start:start + 1000]))
                           .values(printed_at=now).execution_options(agreement_id=drive.agreement_id))


def _actor(user_id: int) -> Actor:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        return Actor(label="background job", user_agent="background job")
    return Actor(user_id=user.id, label=f"{user.name} <{user.email}>", ip="", user_agent="background job")


# ---- one student's code revoked, the letter printed again -------------------------------------

def revoke_and_reprint(actor: Actor, agreement: Agreement, drive: CardDrive, student: Student, run: str) -> bytes:
    """Revoke the student's live code (a lost letter, a code seen by the wrong person), issue a new one and return
    the letter with it as a PDF. The audit log names the codes by their ids, never the student."""
    if run not in letters.RUNS:
        raise Invalid({"language": _("Choose one of the languages listed.")})
    if run == letters.HOME and not letters.home_language_kept(agreement.id):
        raise Invalid({"language": _("The data-sharing spec does not allow a home language, so the roster has none: "
                                     "choose English, Spanish or both.")})
    if not letters.gets_a_letter(drive, student):
        raise Invalid({"": _("This student gets no letter from this drive: they have left, their family has opted "
                             "out, or their grade is not in the drive.")})
    old = db.session.scalar(select(FamilyCode).where(FamilyCode.drive_id == drive.id, FamilyCode.student_id == student.id,
                                                     FamilyCode.revoked_at.is_(None)))
    if old is not None:
        db.session.execute(update(FamilyCode).where(FamilyCode.id == old.id).values(revoked_at=datetime.utcnow())
                           .execution_options(agreement_id=agreement.id))
        db.session.expire(old)
    new = letters.codes_for(drive, [student.id])[student.id]
    audit.record(actor, "family.code_revoked", "card_drive", drive.id, {
        "family_code": [old.id if old is not None else None, new.id], "school": [None, student.school.name]})
    builder = letters.Run(agreement, drive)
    data = letters.pdf(builder.html(builder.pages(student, run, codes.code_of(new.seed))))
    _printed(drive, [new.id])
    db.session.commit()
    return data


# ---- the privacy purge ---------------------------------------------------------------------------

def _kept(agreement_id: int) -> list[Path]:
    """The print runs' PDFs still kept for an agreement."""
    runs = db.session.execute(select(Job.id, Job.params).where(Job.kind == KIND)).all()
    paths = [output_path(job_id) for job_id, params in runs if (params or {}).get("agreement_id") == agreement_id]
    return [p for p in paths if p.exists()]


def destroy_kept(agreement_id: int) -> None:
    for path in _kept(agreement_id):
        path.unlink(missing_ok=True)


privacy.add_held(privacy.Held("letters", "letter_files_deleted", lambda agreement_id: len(_kept(agreement_id)), destroy_kept))
