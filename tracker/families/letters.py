"""Letters home: one sheet per student of a drive, in English, Spanish, both (front and back) or each student's
home language, as one PDF for the printer.

Who gets a letter: the active students of the drive's schools and grades that are not opted out (the rules of
tracker/cards/patrons.py `selected`), of one school, narrowed to a grade or a class. Each letter carries the
student's first name and last initial (never the whole last name), the school, the family code and a QR code to
the family page. The wording is the programme's own (tracker/families/models.py FamilyLetter) or the standard text
(letter_texts.py), written out per student; a wording that fails shows an error in its place, and the rest of the
letter (and every other letter) still prints.

The whole run is one HTML document, a page per letter, rendered by WeasyPrint once (tracker/printing.py): 500
letters are one render, not 500 PDFs merged.
"""
import re
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import segno
from anyascii import anyascii
from flask import current_app, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tracker import clock, formats, languages
from tracker.cards import models as cards
from tracker.cards import patrons
from tracker.cards.models import CardDrive, DriveCount, Student
from tracker.cards.programme import destruction_date, programme_of, schools_of, spec_of
from tracker.documents.values import library_side
from tracker.extensions import db
from tracker.families import choices, codes, letter_texts
from tracker.families.models import FamilyCode, FamilyLetter
from tracker.orgs.models import Organisation
from tracker.printing import render_pdf
from tracker.validation import Invalid

ENGLISH, SPANISH, BOTH, HOME = "en", "es", "both", "home"
RUNS = (ENGLISH, SPANISH, BOTH, HOME)  # the language of a print run
RUN_NAMES = {  # as the History tells a run or a wording (a language by its own name)
    ENGLISH: "English", SPANISH: "Español", BOTH: _l("English and Spanish, back to back"),
    HOME: _l("each student's home language"),
}
SPANISH_NAMES = frozenset({"es", "spa", "spanish", "espanol", "castellano", "castilian"})
CANNOT_RENDER = _l("This part of the letter could not be written out. Mend the letter's wording; the rest of the "
                   "letter prints as it is.")


def letter_language(home_language: str | None) -> str:
    """The language a student's letter is printed in, from the roster's home language: Spanish for "es", "spa",
    "Spanish", "Español", "es-MX", "spa-US", "Spanish (Mexico)" ...; English for anything else or nothing."""
    text = anyascii(home_language or "").strip().lower()
    first = re.split(r"[^a-z]+", text, maxsplit=1)[0] if text else ""
    return SPANISH if first in SPANISH_NAMES else ENGLISH


def languages_of(run: str, home_language: str | None) -> tuple[str, ...]:
    """The pages of one student's sheet: one language, or English then Spanish (front and back)."""
    if run == BOTH:
        return (ENGLISH, SPANISH)
    if run == HOME:
        return (letter_language(home_language),)
    return (run,)


@dataclass(frozen=True)
class Selection:
    """Which letters to print: a school of the drive, narrowed to a grade or a class, in which language."""

    school_id: int | None
    grade: str = ""
    class_name: str = ""
    run: str = ENGLISH


@dataclass
class Page:
    """One page of the run: a student's letter in one language."""

    language: str
    first_name: str
    last_initial: str
    school: str
    grade: str
    class_name: str
    code: str  # as printed
    link: str
    qr: str
    paragraphs: list[list[str]] = field(default_factory=list)  # each paragraph's lines
    problems: list[str] = field(default_factory=list)  # in place of the wording when it cannot be written out

    @property
    def name(self) -> str:
        """First name and last initial: a letter never prints the whole last name."""
        return f"{self.first_name} {self.last_initial}." if self.last_initial else self.first_name

    @property
    def address(self) -> str:
        return family_address(self.link)


# ---- who gets a letter ------------------------------------------------------------------------

def drive_schools(drive: CardDrive, schools: frozenset[int] | None) -> list[Organisation]:
    """The drive's schools (those it counts), by name; only `schools` when the user works on their own only."""
    query = select(Organisation).where(Organisation.id.in_(select(DriveCount.school_id).where(DriveCount.drive_id == drive.id)))
    if schools is not None:
        query = query.where(Organisation.id.in_(schools))
    return list(db.session.scalars(query.order_by(Organisation.name)))


def home_language_kept(agreement_id: int) -> bool:
    """May the roster hold a home language (the data-sharing spec allows it)? Only then can each student's letter
    be in their home language."""
    spec = spec_of(agreement_id)
    return spec is not None and "home_language" in (spec.allowed_fields or [])


def check(drive: CardDrive, selection: Selection, schools: frozenset[int] | None) -> None:
    """Invalid when the selection names a school, grade, class or language the user cannot print."""
    errors = {}
    if selection.school_id not in {s.id for s in drive_schools(drive, schools)}:
        errors["school_id"] = _("Choose one of the schools listed.")
    if selection.grade and selection.grade not in (drive.grades or []):
        errors["grade"] = _("Choose one of the drive's grades.")
    if selection.run not in RUNS:
        errors["language"] = _("Choose one of the languages listed.")
    elif selection.run == HOME and not home_language_kept(drive.agreement_id):
        errors["language"] = _("The data-sharing spec does not allow a home language, so the roster has none: "
                               "choose English, Spanish or both.")
    if errors:
        raise Invalid(errors)


STUDENT_COLUMNS = (Student.id, Student.given_name, Student.family_name, Student.grade, Student.class_name,
                   Student.home_language, Student.school_id)


def students(drive: CardDrive, selection: Selection, schools: frozenset[int] | None) -> list:
    """The students who get a letter (rows of STUDENT_COLUMNS), by grade, class and name: those a patron file of the
    drive would hold (active, in its schools and grades, not opted out; consent or not: the letter asks for it), of
    the selected school, grade and class."""
    check(drive, selection, schools)
    query = patrons.selected(drive.agreement_id, patrons.Filters(drive.id, selection.school_id, selection.grade),
                             columns=STUDENT_COLUMNS)
    if selection.class_name:
        query = query.where(Student.class_name == selection.class_name)
    return list(db.session.execute(query.order_by(None).order_by(
        Student.grade, Student.class_name, Student.family_name, Student.given_name, Student.id)))


def gets_a_letter(drive: CardDrive, student: Student) -> bool:
    """Is this student one a letter is printed for (as `students` says, whatever the selection)?"""
    whom = patrons.selected(drive.agreement_id, patrons.Filters(drive.id, student.school_id), columns=(Student.id,))
    return db.session.scalar(whom.where(Student.id == student.id).order_by(None).limit(1)) is not None


# ---- the wording ------------------------------------------------------------------------------

def wording(agreement_id: int, code: str) -> FamilyLetter | None:
    return db.session.scalar(select(FamilyLetter).where(FamilyLetter.agreement_id == agreement_id,
                                                        FamilyLetter.language == code))


def body_of(agreement_id: int, code: str) -> str:
    """The programme's wording in a language, else the standard text."""
    found = wording(agreement_id, code)
    return found.body if found is not None and found.body.strip() else letter_texts.standard(code)


def shared_values(agreement, drive: CardDrive, code: str) -> dict:
    """What every letter of the run says alike, in the letter's language (call inside languages.speaking(code))."""
    programme, spec = programme_of(agreement.id), spec_of(agreement.id)
    consent_model = programme.consent_model if programme else "opt_out"
    card = {
        "model": str(cards.CARD_MODELS.get(programme.card_model, "")) if programme else "",
        "model_kind": programme.card_model if programme else "",
        "form": programme.card_form if programme else "physical",
        "checkout_limit": programme.checkout_limit if programme else None,
        "hold_limit": programme.hold_limit if programme else None,
        "fines_free": bool(programme.fines_free) if programme else True,
        "lost_item_billing": bool(programme.lost_item_billing) if programme else False,
        "interlibrary_loan": bool(programme.interlibrary_loan) if programme else False,
        "consent_model": consent_model,
    }
    allowed = [f for f in cards.STUDENT_FIELDS if spec is not None and f in (spec.allowed_fields or [])]
    data = {
        "fields": [str(cards.STUDENT_FIELDS[f]).lower() for f in allowed],
        "legal_basis": str(cards.LEGAL_BASES.get(spec.legal_basis, "")) if spec else "",
        "legal_basis_kind": spec.legal_basis if spec else "",
        "subprocessors": (spec.subprocessors or "").strip().rstrip(".").strip() if spec else "",  # the letter ends the sentence
        "destroy_on": destruction_date(spec, agreement),
    }
    return {
        "library": {"name": library_side([p.organisation for p in agreement.parties])["name"]},
        "drive": {"name": drive.name},
        # a drive already over asks for no date: a letter printed late never asks for an answer by a day gone by
        "reply_by": drive.ends_on if drive.ends_on and drive.ends_on >= clock.today() else None,
        "card": card,
        "data": data,
        "family": {"choices": [str(choices.CHOICES[c]) for c in choices.offered(consent_model)]},
    }


def family_address(link: str) -> str:
    """The family page where a code is typed: the code's own link without the code (…/family)."""
    return link.rsplit("/", 1)[0]


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m", mask=4).svg_data_uri(scale=4, border=2)  # as the MOU's: a fixed mask


class Wording:
    """A language's wording, checked once for the run and written out per student, failures in their place."""

    def __init__(self, body: str, code: str):
        self.body, self.code = body, code
        self.problems = letter_texts.problems(body)
        self.template, self.failed = None, False
        if not self.problems:
            try:
                self.template = letter_texts.compiled(body, code)
            except Exception:  # noqa: BLE001  written out below, where the failure shows in its place
                self.template = None

    def write(self, values: dict) -> tuple[list[list[str]], list[str]]:
        if self.problems:
            return [], self.problems
        try:
            text = self.template.render(values) if self.template is not None else letter_texts.render(
                self.body, values, self.code)
        except Exception:  # noqa: BLE001  one wording never takes the run down: the letter says so in its place
            if not self.failed:  # once per run, not once per letter
                current_app.logger.exception("a letter's wording failed to render")
            self.failed = True
            return [], [str(CANNOT_RENDER)]
        return paragraphs(text), []


def paragraphs(text: str) -> list[list[str]]:
    """Paragraphs at blank lines, each a list of its lines."""
    found = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if lines:
            found.append(lines)
    return found


# ---- the run ----------------------------------------------------------------------------------

class Run:
    """What a print run needs once (the agreement's values and wording per language, the schools' names), and
    a page per student and language."""

    def __init__(self, agreement, drive: CardDrive):
        self.agreement, self.drive = agreement, drive
        self.values: dict[str, dict] = {}
        self.wordings: dict[str, Wording] = {}
        self.schools: dict[int, Organisation] = {}

    def _language(self, code: str) -> None:
        if code not in self.values:
            with languages.speaking(code):
                self.values[code] = shared_values(self.agreement, self.drive, code)
            self.wordings[code] = Wording(body_of(self.agreement.id, code), code)

    def school(self, school_id: int | None) -> Organisation:
        if school_id not in self.schools:
            found = db.session.get(Organisation, school_id) if school_id is not None else None
            self.schools[school_id] = found or SimpleNamespace(name=_("Your child's school"))
        return self.schools[school_id]

    def pages(self, student, run: str, family_code: str) -> list[Page]:
        """The student's sheet: a page per language of the run's language (`run`)."""
        return [self.page(student, code, family_code) for code in languages_of(run, student.home_language)]

    def page(self, student, code: str, family_code: str) -> Page:
        self._language(code)
        school = self.school(student.school_id)
        link = codes.page_link(family_code)
        shown = codes.shown(family_code)
        first_name, initial = (student.given_name or "").strip(), (student.family_name or "").strip()[:1]
        values = {**self.values[code],
                  "student": {"first_name": first_name, "last_initial": initial, "grade": student.grade,
                              "class_name": student.class_name or ""},
                  "school": {"name": school.name},
                  "family": {**self.values[code]["family"], "code": shown, "address": family_address(link)}}
        written, problems = self.wordings[code].write(values)
        return Page(code, first_name, initial, school.name, student.grade, student.class_name or "", shown, link,
                    qr_data_uri(link), written, problems)

    def page_html(self, page: Page, day: date, heading: str = "h1") -> str:
        """One page, rendered in its own language (headings, the date); `heading`: its title's element."""
        with languages.speaking(page.language):
            return render_template("families/_letter_page.html", page=page, drive=self.drive, heading=heading,
                                   library=self.values[page.language]["library"]["name"],
                                   dated=formats.long_date(day, page.language))

    def html(self, pages: list[Page], today: date | None = None) -> str:
        """The run as one HTML document, a page per letter."""
        day = today or clock.today()
        return render_template("families/letter_pdf.html", pages=[self.page_html(p, day) for p in pages],
                               language=pages[0].language if pages else ENGLISH, drive=self.drive)


SAMPLE_CODE = "7KQ2XM9D4TRB"


def preview(agreement, code: str, body: str) -> str:
    """A letter in `code` with `body` as its wording, for a made-up student of the agreement's first school, as HTML
    to show on the wording's page (its problems, or its failure, in the wording's place)."""
    drive = db.session.scalar(select(CardDrive).where(CardDrive.agreement_id == agreement.id)
                              .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()).limit(1))
    drive = drive or SimpleNamespace(name=_("Library card drive"), ends_on=None, grades=[])
    school = next(iter(schools_of(agreement.id)), None)
    student = SimpleNamespace(given_name=_("Alex"), family_name=_("Rivera"), grade=(drive.grades or ["03"])[0],
                              class_name="", home_language="", school_id=school.id if school else None)
    builder = Run(agreement, drive)
    builder._language(code)
    builder.wordings[code] = Wording(body, code)
    return builder.page_html(builder.page(student, code, SAMPLE_CODE), clock.today(), heading="h3")


def pdf(html: str) -> bytes:
    return render_pdf(html)


def codes_for(drive: CardDrive, student_ids: list[int]) -> dict[int, FamilyCode]:
    """Each student's live code for the drive, made where missing (the caller commits)."""
    return codes.issue(drive.id, drive.agreement_id, student_ids)
