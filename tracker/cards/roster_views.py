"""Roster pages: the roster of an agreement, upload -> mapping -> preview -> commit, opt-outs, patron export."""
from datetime import datetime, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField

from tracker import clock
from tracker.agreements import parts
from tracker.auth.access import current_actor, requires
from tracker.cards import leavers, optouts, patrons, programme, roster, rosterfile, undo
from tracker.cards.forms import CommitForm, ExportForm, OptOutForm, RosterSearchForm, UploadForm
from tracker.cards.models import STUDENT_FIELDS, CardDrive, RosterImport
from tracker.cards.views import bp
from tracker.extensions import db
from tracker.forms import Outcome, refusal, submitted
from tracker.jobs.models import Job
from tracker.scope.loading import current_access
from tracker.spreadsheets import download
from tracker.validation import Invalid


def _upload_form(agreement, formdata=None):
    form = UploadForm(formdata=formdata) if formdata is not None else UploadForm()
    form.school_id.choices = [("", _("— a OneRoster file names its schools —"))] + [
        (s.id, s.name) for s in programme.schools_of(agreement.id)]
    return form


def _roster_page(agreement, upload_form=None, optout_form=None, status=200):
    """The students the user may see (of one school with ?school=, which must be one they see: else 404)."""
    schools = current_access().schools
    shown = roster.schools_shown(agreement.id, schools)
    search = RosterSearchForm(formdata=request.args, meta={"csrf": False})
    search.school.choices = [("", _("All schools"))] + [(s.id, s.name) for s in shown]
    q, chosen = search.q.data or "", search.school.data
    if chosen is not None and chosen not in {s.id for s in shown}:
        abort(404)
    students = db.paginate(roster.roster_students(agreement.id, schools, chosen, q), per_page=50, error_out=False)
    imports = db.session.scalars(select(RosterImport).where(RosterImport.agreement_id == agreement.id)
                                 .order_by(RosterImport.id.desc()).limit(10)).all()
    optout_form = optout_form or OptOutForm(formdata=None, opted_out_on=clock.today())
    spec = programme.spec_of(agreement.id)
    card_programme = programme.programme_of(agreement.id)
    if not (card_programme and card_programme.consent_model == patrons.OPT_IN):
        del optout_form.kind  # consents are recorded only under an opt-in consent model
    return parts.page("cards/roster.html", agreement, "roster", status, upload_form=upload_form or _upload_form(agreement, None),
                      optout_form=optout_form, students=students, imports=imports, search=search, schools=shown,
                      own_only=schools is not None, counts=roster.roster_counts(agreement.id, schools), spec=spec,
                      destroy_on=programme.destruction_date(spec, agreement))


@bp.route("/agreements/<int:agreement_id>/roster")
@requires("roster.view", scope="agreement")
def roster_page(agreement):
    return _roster_page(agreement)


@bp.route("/agreements/<int:agreement_id>/roster/imports", methods=["POST"])
@requires("roster.import", scope="agreement")
def roster_upload(agreement):
    form = _upload_form(agreement)

    def stage():
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            raise Invalid({"file": _("Choose a roster file.")})
        return roster.upload(current_actor(), agreement, upload.filename, upload.read(), form.school_id.data, current_user.id)

    outcome = submitted(form, stage)
    if outcome.saved:
        return redirect(url_for("cards.roster_import", agreement_id=agreement.id, import_id=outcome.result.id), 303)
    return _roster_page(agreement, upload_form=form, status=outcome.status)


def _mapping_form(staged, formdata=None):
    class MappingForm(FlaskForm):
        pass

    choices = [("", _("— leave out —"))] + [(f, str(label)) for f, label in {"source_id": _("Source id"), **STUDENT_FIELDS}.items()]
    known = roster.mapping_for(staged.school_id) or {}
    samples = staged.summary.get("samples", {})
    for i, header in enumerate(staged.summary.get("headers", [])):
        shown = samples.get(header)
        hint = _("e.g. %(values)s", values=", ".join(shown)) if shown else _("empty in the first rows")
        setattr(MappingForm, f"column_{i}", SelectField(header, choices=choices, default=known.get(header, _guess(header)),
                                                        description=hint))
    return MappingForm(formdata=formdata) if formdata is not None else MappingForm()


# Common headings of school spreadsheets and SIS exports (lower case, without spaces, _ - . #).
GUESSES = {
    "source_id": ("studentid", "id", "studentnumber", "studentno", "studentnum", "student", "stuid", "pupilid", "sisid",
                  "localid", "localstudentid", "personid", "sourcedid"),
    "identifier": ("stateid", "statestudentid", "ssid", "identifier", "studentidentifier"),
    "given_name": ("firstname", "givenname", "first", "fname", "forename", "studentfirstname", "legalfirstname"),
    "family_name": ("lastname", "surname", "familyname", "last", "lname", "studentlastname", "legallastname"),
    "middle_name": ("middlename", "middle", "middleinitial", "mi"),
    "grade": ("grade", "gradelevel", "gr", "grd", "year", "yeargroup", "grades", "currentgrade"),
    "birth_date": ("birthdate", "dob", "dateofbirth", "birthday", "bdate"),
    "email": ("email", "emailaddress", "studentemail", "mail"),
    "username": ("username", "login", "loginid", "userid", "networkid"),
    "class_name": ("homeroom", "homeroomteacher", "teacher", "class", "classname", "section", "homeroomsection", "hr"),
}
GUESS = {heading: field for field, headings in GUESSES.items() for heading in headings}


def _guess(header: str) -> str:
    text = "".join(c for c in header.lower() if c not in " _-.#")
    return GUESS.get(text, "")


def _import_page(agreement, staged, status=200, form=None, problem=None, confirm=None):
    job = db.session.get(Job, staged.job_id) if staged.job_id else None
    if staged.needs_mapping and form is None:
        form = _mapping_form(staged, formdata=None)
    summary = staged.summary or {}
    if confirm is None:
        confirm = CommitForm(formdata=None)
        if not summary.get("warnings"):
            confirm.leavers.data = leavers.MARK
    names = leavers.names(staged.parsed, current_access().schools) if staged.is_previewed else {}
    cannot_undo = undo.refusal(staged, datetime.utcnow()) if staged.is_committed else None
    return parts.page("cards/import.html", agreement, "roster", status, staged=staged, job=job, form=form, problem=problem,
                      confirm=confirm, s=summary, leaver_names=names, student_names=True, cannot_undo=cannot_undo,
                      undo_until=staged.committed_at + timedelta(days=undo.DAYS) if staged.committed_at else None,
                      undo_form=FlaskForm(formdata=None))


@bp.route("/agreements/<int:agreement_id>/roster/imports/<int:import_id>")
@requires("roster.import", scope="agreement")
def roster_import(agreement, staged):
    return _import_page(agreement, staged)


@bp.route("/agreements/<int:agreement_id>/roster/imports/<int:import_id>/mapping", methods=["POST"])
@requires("roster.import", scope="agreement")
def roster_mapping(agreement, staged):
    if not staged.needs_mapping:
        return _import_page(agreement, staged, 422, problem=_("This import does not need a column mapping."))
    form = _mapping_form(staged, formdata=request.form)
    headers = staged.summary.get("headers", [])
    outcome = submitted(form, lambda: roster.save_mapping(
        current_actor(), staged, {h: getattr(form, f"column_{i}").data for i, h in enumerate(headers)}))
    if outcome.saved:
        return redirect(url_for("cards.roster_import", agreement_id=agreement.id, import_id=staged.id), 303)
    return _import_page(agreement, staged, outcome.status, form=form)


@bp.route("/agreements/<int:agreement_id>/roster/imports/<int:import_id>/commit", methods=["POST"])
@requires("roster.import", scope="agreement")
def roster_commit(agreement, staged):
    form = CommitForm()
    outcome = submitted(form, lambda: roster.start_commit(current_actor(), staged, current_user.id, form.leavers.data or None))
    if not outcome.saved:
        problem = None if form.leavers.errors else " ".join(refusal(form))
        return _import_page(agreement, staged, outcome.status, problem=problem, confirm=form)
    counts = outcome.result
    if counts is None:  # a large roster is written by a job; its page shows the progress
        return redirect(url_for("jobs.show", job_id=staged.job_id), 303)
    flash(_("Roster saved: %(new)s new, %(updated)s updated, %(left)s marked as left.", **counts), "success")
    return redirect(url_for("cards.roster_page", agreement_id=agreement.id), 303)


@bp.route("/agreements/<int:agreement_id>/roster/imports/<int:import_id>/discard", methods=["POST"])
@requires("roster.import", scope="agreement")
def roster_discard(agreement, staged):
    form = FlaskForm()
    outcome = submitted(form, lambda: roster.discard(current_actor(), staged))
    if not outcome.saved:
        return _import_page(agreement, staged, outcome.status,
                            problem=" ".join(refusal(form, _("This import cannot be discarded."))))
    flash(_("Import discarded; nothing was written."), "success")
    return redirect(url_for("cards.roster_page", agreement_id=agreement.id), 303)


@bp.route("/agreements/<int:agreement_id>/roster/imports/<int:import_id>/undo", methods=["POST"])
@requires("roster.import", scope="agreement")
def roster_undo(agreement, staged):
    form = FlaskForm()
    outcome = submitted(form, lambda: undo.undo(current_actor(), staged))
    if not outcome.saved:
        return _import_page(agreement, staged, outcome.status, problem=" ".join(refusal(form)))
    flash(_("Import undone: %(removed)s students it added removed, %(restored)s restored as they were, %(back)s back "
            "on the roster.", **outcome.result), "success")
    return redirect(url_for("cards.roster_import", agreement_id=agreement.id, import_id=staged.id), 303)


@bp.route("/agreements/<int:agreement_id>/roster/opt-outs", methods=["POST"])
@requires("roster.opt_out", scope="agreement")
def record_opt_outs(agreement):
    form = OptOutForm()

    def record():
        ids = (form.source_ids.data or "").split()
        upload = form.file.data
        if upload and getattr(upload, "filename", ""):
            try:
                ids += optouts.ids_from_csv(upload.read(), upload.filename)
            except rosterfile.FileProblem as problem:
                raise Invalid({"file": str(problem)}) from None
        optouts.check_own_students(agreement.id, ids, current_access().schools)
        return optouts.record(current_actor(), agreement.id, ids, form.opted_out_on.data, form.source.data or "", current_user.id,
                              form.kind.data)

    outcome = submitted(form, record)
    if outcome.saved and form.kind.data == optouts.CONSENT:
        flash(_("%(n)s consents recorded; under the opt-in model only students with one reach a patron file.",
                n=outcome.result), "success")
        return redirect(url_for("cards.roster_page", agreement_id=agreement.id), 303)
    if outcome.saved:
        flash(ngettext("%(num)s opt-out recorded; this student never appears in a patron export.",
                       "%(num)s opt-outs recorded; these students never appear in a patron export.", outcome.result), "success")
        return redirect(url_for("cards.roster_page", agreement_id=agreement.id), 303)
    return _roster_page(agreement, optout_form=form, status=outcome.status)


@bp.route("/agreements/<int:agreement_id>/patrons/export", methods=["GET", "POST"])
@requires("patron.export", scope="agreement")
def patron_export(agreement):
    """Choose the students and the format; "Check the file" shows what the ILS would refuse or miss, and a
    download that needs attention shows the same check first, to be confirmed."""
    card_programme = programme.programme_of(agreement.id)
    form = ExportForm()
    form.drive_id.choices = [("", _("The latest drive"))] + [
        (d.id, d.name) for d in db.session.scalars(select(CardDrive).where(CardDrive.agreement_id == agreement.id))]
    form.school_id.choices = [("", _("All schools"))] + [(s.id, s.name) for s in programme.schools_of(agreement.id)]
    if request.method == "GET" and card_programme:
        form.file_format.data = card_programme.ils
        form.ascii_names.data = card_programme.ils == "evergreen"
    if card_programme is None:
        form.form_errors.append(_("Set up the card programme first: its rules make the barcodes, PINs and expiry dates."))
        outcome = Outcome(422 if form.is_submitted() else 200)
        return parts.page("cards/export.html", agreement, "roster", outcome.status, form=form, programme=None, check=None)
    filters = patrons.Filters(form.drive_id.data, form.school_id.data, form.grade.data or "", form.not_yet_exported.data)
    wants_check = request.form.get("action") == "check"

    def make():
        if wants_check:
            return patrons.prepare(card_programme, form.file_format.data, filters, ascii_names=form.ascii_names.data).check
        return patrons.export(current_actor(), card_programme, form.file_format.data, filters,
                              ascii_names=form.ascii_names.data, confirmed=form.confirmed.data == "yes")

    outcome = submitted(form, make)
    if outcome.saved and isinstance(outcome.result, patrons.PatronFile):
        made = outcome.result
        response = download(made.data, made.filename)
        response.headers["X-Rows"] = str(made.rows)
        response.headers["X-SHA256"] = made.sha256
        return response
    check = outcome.result if outcome.saved else None
    return parts.page("cards/export.html", agreement, "roster", 200 if check else outcome.status, form=form,
                      programme=card_programme, check=check)
