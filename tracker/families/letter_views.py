"""Letters home: a drive's print run (a page inside the drive, a job, its PDF), one student's letter printed again
with a new code, and a programme's wording per language (a page inside the card programme's part).

Printing is `card.record`: the people who run a drive in a building (a school librarian, for her own school only:
`current_access().schools`) print its letters. Changing a letter's wording or revoking a code is `card.manage`.
"""
from flask import Blueprint, abort, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker import languages
from tracker.agreements import parts
from tracker.auth.access import can, current_actor, requires
from tracker.cards.drives import classes_of
from tracker.extensions import db
from tracker.families import letter_service, letter_texts, letters
from tracker.families.letter_forms import PrintForm, ReprintForm, WordingForm, run_choices
from tracker.forms import submitted
from tracker.htmx import render_fragment, wants_fragment
from tracker.jobs import service as jobs
from tracker.jobs.models import Job
from tracker.printing import pdf_response
from tracker.scope.loading import current_access
from tracker.validation import Invalid, apply_errors

bp = Blueprint("letters", __name__)
DRIVE = "/agreements/<int:agreement_id>/drives/<int:drive_id>"
WORDING = "/agreements/<int:agreement_id>/letters/"


# ---- a print run ------------------------------------------------------------------------------

def _print_form(drive, schools, home_language: bool, formdata=None) -> PrintForm:
    form = PrintForm() if formdata is None else PrintForm(formdata=formdata)
    form.school_id.choices = [("", _("Choose a school"))] + [(s.id, s.name) for s in schools]
    if request.method == "GET" and len(schools) == 1:
        form.school_id.data = schools[0].id
    elif request.method == "GET" and request.args.get("school_id", type=int) in {s.id for s in schools}:
        form.school_id.data = request.args.get("school_id", type=int)  # from a school's page
    form.grade.choices = [("", _("Every grade"))] + [(g, g) for g in drive.grades or []]
    form.language.choices = run_choices(home_language)
    form.class_name.render_kw = {"list": "letter-classes"}
    return form


def _classes(drive, schools) -> list[str]:
    return sorted({name for school in schools for name in classes_of(drive, school.id)})


def _print_page(agreement, drive, form, status: int = 200, job: Job | None = None):
    schools = letters.drive_schools(drive, current_access().schools)
    context = {"drive": drive, "form": form, "job": job, "classes": _classes(drive, schools),
               "home_language": letters.home_language_kept(agreement.id), "may_edit": can("card.manage")}
    if wants_fragment():
        return render_fragment("families/_letters_print.html", status, agreement=agreement, **context)
    return parts.page("families/letters.html", agreement, "drives", status, **context)


@bp.route(DRIVE + "/letters", methods=["GET", "POST"])
@requires("card.record", scope="agreement")
def print_letters(agreement, drive):
    """Choose the school, grade or class and the language; POST starts the run and shows its progress."""
    access_schools = current_access().schools
    schools = letters.drive_schools(drive, access_schools)
    home_language = letters.home_language_kept(agreement.id)
    form = _print_form(drive, schools, home_language)

    def start():
        selection = letters.Selection(form.school_id.data, form.grade.data or "", form.class_name.data or "",
                                      form.language.data or "")
        return letter_service.start_printing(current_user, agreement, drive, selection, access_schools)

    outcome = submitted(form, start)
    if outcome.saved:
        if not wants_fragment():
            return redirect(url_for("jobs.show", job_id=outcome.result.id), 303)
        return _print_page(agreement, drive, form, 200, job=outcome.result)
    return _print_page(agreement, drive, form, outcome.status)


@bp.route(DRIVE + "/letters/<int:job_id>.pdf")
@requires("card.record", scope="agreement")
def download(agreement, drive, job_id: int):
    """A finished run's PDF, for the one who started it (admins: any)."""
    path = letter_service.download_path(jobs.get_for(job_id, current_user), agreement.id, drive.id)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=f"letters-{drive.id}-{job_id}.pdf")


@bp.route(DRIVE + "/students/<int:student_id>/letter", methods=["POST"])
@requires("card.manage", scope="agreement")
def reprint(agreement, drive, student):
    """Revoke the student's code and download their letter with a new one."""
    form = ReprintForm()
    form.language.choices = run_choices(letters.home_language_kept(agreement.id))
    outcome = submitted(form, lambda: letter_service.revoke_and_reprint(current_actor(), agreement, drive, student,
                                                                          form.language.data or letters.ENGLISH))
    if outcome.saved:
        return pdf_response(outcome.result, f"letter-{drive.id}-{student.id}.pdf", inline=False)
    problems = [m for f in form for m in f.errors] + list(form.form_errors)
    return parts.page("families/letter_refused.html", agreement, "drives", outcome.status, drive=drive,
                      problems=problems or [_("The form was incomplete; reload the page.")])


# ---- a programme's wording -------------------------------------------------------------------

@bp.route(WORDING + "en", defaults={"language": "en"}, methods=["GET", "POST"])
@bp.route(WORDING + "es", defaults={"language": "es"}, methods=["GET", "POST"])
@requires("card.manage", scope="agreement")
def wording(agreement, language: str):
    """The letter's wording in one language, with a preview; saving checks it and records the change."""
    saved = letters.wording(agreement.id, language)
    form = WordingForm(formdata=None if request.method == "GET" else request.form,
                       data={"body": saved.body if saved else letter_texts.standard(language),
                             "version": saved.version if saved else 0})
    previewing = request.method == "POST" and "preview" in request.form
    if previewing:
        status = 200
        problems = letter_texts.problems(form.body.data or "")
        if problems:
            apply_errors(form, Invalid({"body": problems}))
            status = 422
        return _wording_page(agreement, language, form, saved, status)
    outcome = submitted(form, lambda: letter_service.save_wording(current_actor(), agreement, language, form.body.data,
                                                                  form.version.data))
    if outcome.saved:
        return redirect(url_for("letters.wording", agreement_id=agreement.id, language=language, saved=1), 303)
    if outcome.status == 409:
        db.session.expire_all()
        saved = letters.wording(agreement.id, language)
    return _wording_page(agreement, language, form, saved, outcome.status, conflict=outcome.status == 409)


def _wording_page(agreement, language: str, form, saved, status: int = 200, conflict: bool = False):
    preview = letters.preview(agreement, language, form.body.data or "")
    return parts.page("families/letter_wording.html", agreement, "cards", status, form=form, letter_language=language,
                      language_name=_language_name(language), saved=saved, conflict=conflict, preview=preview,
                      variables=letter_texts.VARIABLES, lists=letter_texts.LISTS,
                      standard=letter_texts.standard(language), just_saved=request.args.get("saved") == "1",
                      others=[(code, _language_name(code)) for code in letter_texts.LANGUAGES if code != language])


def _language_name(code: str) -> str:
    return languages.name(code)
