"""The card parts of an agreement's workspace: the card programme and data-sharing spec, its drives (each
drive's pages under /agreements/<id>/drives/<drive_id>, its counts and students), and the roster
(tracker/cards/roster_views.py). The old /drives/<id>/... addresses redirect, after the access check."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select

from tracker.agreements import parts
from tracker.auth.access import can, current_actor, requires
from tracker.cards import coverage, drive_sections, drives, models, programme, roster
from tracker.cards.forms import ClassCardsForm, CardStatusForm, CountForm, DriveForm, GradeCardsForm, SpecForm, programme_form
from tracker.cards.models import CARD_STATUSES, COUNT_FIELDS, CardDrive, DriveCount, RosterImport, Student
from tracker.cards.workflow import DRIVE_STATUSES
from tracker.extensions import db
from tracker.fields import page_number
from tracker.forms import form_data, refusal, submitted
from tracker.htmx import render_fragment, render_fragment_html, wants_fragment
from tracker.orgs.models import Organisation
from tracker.scope.loading import Param, add_param, child, current_access
from tracker.scope.users import current_scope
from tracker.spreadsheets import Percent, csv_bytes, download, xlsx_bytes

bp = Blueprint("cards", __name__)
DRIVE = "/agreements/<int:agreement_id>/drives/<int:drive_id>"


def _programme(agreement, access) -> dict:
    found = programme.programme_of(agreement.id)
    return {"p": found, "polaris_branches": [(b.name, given) for b, given in programme.polaris_ids(
        found, programme.home_branches(agreement.id))] if found is not None and found.ils == "polaris" else []}


def _spec(agreement, access) -> dict:
    spec = programme.spec_of(agreement.id)
    return {"spec": spec, "destroy_on": programme.destruction_date(spec, agreement)}


def _drives(agreement, access) -> dict:
    """Every drive of the agreement with its progress: the whole drive's, or the user's schools' when below a party."""
    return {"found": drives.of_agreement(agreement.id, access.schools), "own_schools": None if access.schools is None else len(access.schools)}


def _drive_glance(agreement, access, today) -> dict | None:
    """The newest drive's progress: the whole drive, or only the user's schools when they are below a party."""
    drive = db.session.scalar(select(CardDrive).where(CardDrive.agreement_id == agreement.id)
                              .order_by(CardDrive.starts_on.desc(), CardDrive.id.desc()).limit(1))
    if drive is None:
        return None
    rows = [drives.total(drive)] if access.schools is None else drives.by_school(drive, access.schools)
    return {"drive": drive, "rows": rows}


parts.add_part(parts.Part("cards", _l("Card programme"), (
    parts.Section("card-programme", "cards/_programme.html", _programme, permission="card.view"),
    parts.Section("data-sharing", "cards/_spec.html", _spec, permission="card.view"),
), permission="card.view", position=30))
parts.add_part(parts.Part("drives", _l("Card drives"), (
    parts.Section("card-drives", "cards/_agreement_drives.html", _drives, permission="card.view"),), permission="card.view",
    position=40))
parts.add_part(parts.Part("roster", _l("Roster"), permission="roster.view", endpoint="cards.roster_page", students=True,
                          position=50))
parts.add_glance(parts.Glance("card_drive", "cards/_glance.html", _drive_glance, permission="card.view"))


def _drive_school(access, drive: CardDrive, school_id: int):
    """A school of the drive whose rows concern the user."""
    if not access.concerns(school_id) or not drives.school_counts(drive, school_id):
        return None
    return db.session.get(Organisation, school_id)


def _student(access, drive: CardDrive, student_id: int):
    return db.session.scalar(roster.seen(select(Student).where(Student.id == student_id,
                                                               Student.agreement_id == drive.agreement_id), access.schools))


# A drive's old address (/drives/<id>) names only the drive; the drive names its agreement.
add_param(Param("drive_id", "drive", "agreement", child(CardDrive, "agreement_id"),
                agreement_of=lambda drive_id: db.session.scalar(select(CardDrive.agreement_id).where(CardDrive.id == drive_id))))
add_param(Param("count_id", "count", "drive", child(DriveCount, "drive_id", concerns="school_id")))
add_param(Param("school_id", "school", "drive", _drive_school))
add_param(Param("student_id", "student", "drive", _student))
add_param(Param("import_id", "staged", "agreement", child(RosterImport, "agreement_id")))


@bp.app_context_processor
def _card_globals():
    labels = ("CARD_MODELS", "CARD_FORMS", "CONSENT_MODELS", "BARCODE_SOURCES", "PIN_RULES", "ILS_KINDS", "STUDENT_FIELDS",
              "LEGAL_BASES", "TRANSFER_METHODS", "TRANSFER_FREQUENCIES")
    return {**{name: getattr(models, name) for name in labels}, "DRIVE_STATUSES": DRIVE_STATUSES}


def _agreement_part(agreement, form_class, current, heading: str, save, anchor: str, initial=None, extra=None):
    """The card programme or data-sharing spec of an agreement on a page of its own; saved, back to its part.
    `initial` fills the fields the saved object has no attribute for; `extra` (form -> dict) adds what the form
    holds beyond its FIELDS to what is saved."""
    form = form_class(obj=current(agreement.id), **(initial or {}))
    outcome = submitted(form, lambda: save(current_actor(), agreement, {**form_data(form, form_class.FIELDS),
                                                                        **(extra(form) if extra else {})}))
    if outcome.saved:
        flash(_("Saved."), "success")
        return redirect(parts.part_url(agreement, "cards", anchor), 303)
    return parts.page("cards/agreement_form.html", agreement, "cards", outcome.status, form=form, heading=heading)


@bp.route("/agreements/<int:agreement_id>/card-programme", methods=["GET", "POST"])
@requires("card.manage", scope="agreement")
def edit_programme(agreement):
    branches = programme.home_branches(agreement.id)
    saved = programme.programme_of(agreement.id)
    return _agreement_part(agreement, programme_form(branches), lambda _agreement_id: saved, _("Card programme"),
                           programme.save_programme, "card-programme",
                           initial={programme.polaris_field(b): "" if given is None else str(given)
                                    for b, given in programme.polaris_ids(saved, branches)},
                           extra=lambda form: {"polaris_branch_ids": {str(b.id): form[programme.polaris_field(b)].data
                                                                      for b in branches}})


@bp.route("/agreements/<int:agreement_id>/data-sharing", methods=["GET", "POST"])
@requires("card.manage", scope="agreement")
def edit_spec(agreement):
    return _agreement_part(agreement, SpecForm, programme.spec_of, _("Data-sharing spec"), programme.save_spec, "data-sharing")


# ---- drives ----------------------------------------------------------------------------------

@bp.route("/drives")
@requires("card.view")
def drive_index():
    page = drives.listed(current_scope(), page_number(request.args.get("page")), current_app.config["PER_PAGE"])
    return render_template("cards/drives.html", page=page, may_start=can("card.manage"))


def _drive_form(agreement, drive=None):
    form = DriveForm(obj=drive)
    form.school_ids.choices = [(s.id, s.name) for s in programme.schools_of(agreement.id)]
    if drive is not None:
        del form.school_ids  # schools are fixed once counting started
    elif request.method == "GET":
        form.school_ids.data = [s for s, _n in form.school_ids.choices]
        form.target_percent.data = 90
    return form


@bp.route("/agreements/<int:agreement_id>/drives/new", methods=["GET", "POST"])
@requires("card.manage", scope="agreement")
def new_drive(agreement):
    form = _drive_form(agreement)
    return _drive_page(agreement, None, form, _("Drive created."),
                       lambda: drives.create(current_actor(), agreement, form_data(form, drives.DRIVE_FIELDS), form.school_ids.data or []))


@bp.route(DRIVE + "/copy", methods=["POST"])
@requires("card.manage", scope="agreement")
def copy_drive(agreement, drive):
    """"Copy for next year": the same schools, grades and targets, a year on."""
    form = FlaskForm()
    outcome = submitted(form, lambda: drives.copy_for_next_year(current_actor(), drive))
    if not outcome.saved:
        for problem in refusal(form):
            flash(problem, "error")
        return _drive_page_shown(agreement, drive, outcome.status)
    flash(_("Drive copied for next year: check its dates, then take its enrolment from the roster."), "success")
    return redirect(url_for("cards.drive", agreement_id=agreement.id, drive_id=outcome.result.id), 303)


@bp.route("/drives/new")
@requires("card.manage")
def new_drive_choose():
    """"New drive" from the list of drives: choose the agreement, then its drive form."""
    choices = drives.agreements_for_new_drive(current_scope())
    chosen = request.args.get("agreement_id", type=int)
    if chosen is not None and chosen in {a.id for a in choices}:
        return redirect(url_for("cards.new_drive", agreement_id=chosen), 303)
    return render_template("cards/drive_choose.html", choices=choices), 200 if chosen is None else 422


@bp.route(DRIVE + "/edit", methods=["GET", "POST"])
@requires("card.manage", scope="agreement")
def edit_drive(agreement, drive):
    form = _drive_form(agreement, drive)
    return _drive_page(agreement, drive, form, _("Saved."),
                       lambda: drives.update_drive(current_actor(), drive, form_data(form, drives.DRIVE_FIELDS)) or drive)


def _drive_page(agreement, drive, form, done: str, save):
    outcome = submitted(form, save)
    if outcome.saved:
        flash(done, "success")
        return redirect(url_for("cards.drive", agreement_id=agreement.id, drive_id=outcome.result.id), 303)
    return parts.page("cards/drive_form.html", agreement, "drives", outcome.status, form=form, drive=drive)


@bp.route(DRIVE)
@requires("card.view", scope="agreement", cached=True)
def drive(agreement, drive):
    return _drive_page_shown(agreement, drive)


def _drive_page_shown(agreement, drive, status: int = 200):
    """The drive's totals, and the rows by school and grade of the schools that concern the user."""
    schools = current_access().schools
    rows = drives.by_school(drive, schools)
    chart = coverage.chart(_("Share of enrolment with a library card per school, against its target"), rows)
    return parts.page("cards/drive.html", agreement, "drives", status, drive=drive, schools=rows, chart=chart,
                      grades=drives.by_grade(drive, schools), total=drives.total(drive), own_only=schools is not None,
                      sections=_sections(agreement, drive, schools))


def _sections(agreement, drive, schools: frozenset[int] | None, school=None) -> list[Markup]:
    """What other packages show on a drive's page (tracker/cards/drive_sections.py), about these schools."""
    return [Markup(render_template(section.template, agreement=agreement, drive=drive, school=school, **context))
            for section, context in drive_sections.shown(drive, schools, can)]


PROGRESS_HEADER = (_l("School"), _l("Enrolment"), _l("Target"), _l("Issued"), _l("Already had"), _l("Cannot issue"),
                   _l("Opted out"), _l("Covered"), _l("Covered (%)"), _l("Classrooms"))  # named as on the drive's page


@bp.route(DRIVE + "/progress.<fmt>")
@requires("card.view", scope="agreement")
def drive_table(agreement, drive, fmt: str):
    schools = current_access().schools
    rows = [[r["name"], r["enrolment"], Percent(r["target"]), r["issued"], r["already_had"], r["cannot_issue"], r["opted_out"],
             r["covered"], Percent(r["percent"]), r["classrooms"]] for r in [*drives.by_school(drive, schools), drives.total(drive)]]
    rows[-1][0] = _("Total")
    name = f"drive-{drive.id}-progress.{fmt}"
    header = [str(h) for h in PROGRESS_HEADER]
    if fmt == "csv":
        return download(csv_bytes(header, rows), name)
    if fmt == "xlsx":
        grades = [[r["name"], r["enrolment"], Percent(r["target"]), r["issued"], r["already_had"], r["cannot_issue"], r["opted_out"],
                   r["covered"], Percent(r["percent"]), r["classrooms"]] for r in drives.by_grade(drive, schools)]
        return download(xlsx_bytes([(_("By school"), header, rows), (_("By grade"), [_("Grade")] + header[1:], grades)]), name)
    abort(404)


@bp.route(DRIVE + "/schools/<int:school_id>")
@requires("card.view", scope="agreement")
def drive_school(agreement, drive, school):
    return _school_page(agreement, drive, school)


def _school_page(agreement, drive, school):
    counts = drives.school_counts(drive, school.id)
    students, classes = [], []
    class_name = request.args.get("class", "")
    if can("roster.view"):
        classes = drives.classes_of(drive, school.id)
        class_name = class_name if class_name in classes else ""
        query = roster.students_for(drive, school.id, current_access().schools, request.args.get("grade", ""), class_name)
        students = db.paginate(query, per_page=50, error_out=False)
    summary = _school_summary(drive, school.id)
    grade_form = GradeCardsForm(formdata=None, grade=request.args.get("grade") or None)
    grade_form.grade.choices = [(c.grade, c.grade) for c in counts]
    class_form = ClassCardsForm(formdata=None, class_name=class_name or None)
    class_form.class_name.choices = [(c, c) for c in classes]
    return parts.page("cards/drive_school.html", agreement, "drives", drive=drive, school=school, counts=counts, summary=summary,
                      rows={c.id: _count_row(drive, c) for c in counts}, students=students, CARD_STATUSES=CARD_STATUSES,
                      student_names=True, grade_form=grade_form, class_form=class_form, classes=classes, class_name=class_name,
                      sections=_sections(agreement, drive, frozenset({school.id}), school))


def _school_summary(drive, school_id: int) -> dict | None:
    return next(iter(drives.by_school(drive, frozenset({school_id}))), None)


def _count_row(drive, count) -> dict:
    values = {f: getattr(count, f) for f in ("enrolment", "classrooms", *COUNT_FIELDS)}
    return drives.progress_row(count.grade, values, count.target_percent or drive.target_percent)


@bp.route(DRIVE + "/counts/<int:count_id>")
@requires("card.view", scope="agreement")
def count_row(agreement, drive, count):
    if not wants_fragment():  # the row's own address shows its school's page
        return _school_page(agreement, drive, count.school)
    return render_fragment("cards/_count_row.html", drive=drive, count=count, row=_count_row(drive, count))


@bp.route(DRIVE + "/counts/<int:count_id>/edit")
@requires("card.record", scope="agreement")
def edit_count(agreement, drive, count):
    form = CountForm(obj=count, formdata=None)
    for name in ("enrolment", "target_percent", "classrooms", *COUNT_FIELDS, "cannot_issue_reason"):
        getattr(form, f"read_{name}").data = getattr(count, name)
    return render_fragment("cards/_count_form.html", drive=drive, count=count, form=form)


@bp.route(DRIVE + "/counts/<int:count_id>", methods=["POST"])
@requires("card.record", scope="agreement")
def save_count(agreement, drive, count):
    form = CountForm()
    names = ("enrolment", "target_percent", "classrooms", *COUNT_FIELDS, "cannot_issue_reason")
    outcome = submitted(form, lambda: drives.record_counts(
        current_actor(), count, read={n: getattr(form, f"read_{n}").data for n in names} | {
            "cannot_issue_reason": form.read_cannot_issue_reason.data or ""},
        wanted={n: getattr(form, n).data for n in names}, more_than_enrolled=form.more_than_enrolled.data))
    if not outcome.saved:
        return render_fragment("cards/_count_form.html", outcome.status, drive=drive, count=count, form=form)
    count = outcome.result
    if not wants_fragment():
        flash(_("Counts saved."), "success")
        return redirect(url_for("cards.drive_school", agreement_id=agreement.id, drive_id=drive.id, school_id=count.school_id),
                        303)
    html = render_template("cards/_count_row.html", drive=drive, count=count, row=_count_row(drive, count), saved=True)
    html += render_template("cards/_school_progress.html", oob=True, school=count.school,
                            summary=_school_summary(drive, count.school_id))
    return render_fragment_html(html)


@bp.route(DRIVE + "/enrolment", methods=["POST"])
@requires("card.manage", scope="agreement")
def enrolment_from_roster(agreement, drive):
    form = FlaskForm()
    outcome = submitted(form, lambda: drives.enrolment_from_roster(current_actor(), drive))
    if not outcome.saved:
        for problem in refusal(form):
            flash(problem, "error")
        return _drive_page_shown(agreement, drive, outcome.status)
    flash(ngettext("Enrolment taken from the roster (%(num)s row changed).",
                   "Enrolment taken from the roster (%(num)s rows changed).", outcome.result), "success")
    return redirect(url_for("cards.drive", agreement_id=agreement.id, drive_id=drive.id), 303)


@bp.route(DRIVE + "/students/<int:student_id>/card", methods=["POST"])
@requires("card.record", scope="agreement")
def student_card(agreement, drive, student):
    form = CardStatusForm()
    outcome = submitted(form, lambda: drives.set_card_status(current_actor(), drive, student, form.status.data))
    if outcome.saved and not wants_fragment():
        return redirect(url_for("cards.drive_school", agreement_id=agreement.id, drive_id=drive.id, school_id=student.school_id), 303)
    db.session.refresh(student)
    html = render_template("cards/_student_row.html", drive=drive, student=student, form=form, CARD_STATUSES=CARD_STATUSES)
    if outcome.saved and outcome.result is not None:  # the grade's row and the school's bar move at once
        html += _moved_counts(drive, outcome.result)
    return render_fragment_html(html, 200 if outcome.saved else outcome.status)


def _moved_counts(drive, count) -> str:
    """The count row and the school's progress, swapped out of band after a card status changed."""
    db.session.refresh(count)
    school = db.session.get(Organisation, count.school_id)
    return (render_template("cards/_count_row.html", drive=drive, count=count, row=_count_row(drive, count), oob=True)
            + render_template("cards/_school_progress.html", oob=True, school=school,
                              summary=_school_summary(drive, count.school_id)))


@bp.route(DRIVE + "/schools/<int:school_id>/cards", methods=["POST"])
@requires("card.record", scope="agreement")
def grade_cards(agreement, drive, school):
    """Set the card of every student of one grade at this school in one step."""
    form = GradeCardsForm()
    form.grade.choices = [(g, g) for g in drive.grades]
    return _group_cards(drive, school, form, form.grade, "grade", drives.set_grade_status, lambda n: ngettext(
        "%(num)d student of grade %(grade)s recorded.", "%(num)d students of grade %(grade)s recorded.", n, grade=form.grade.data))


@bp.route(DRIVE + "/schools/<int:school_id>/class-cards", methods=["POST"])
@requires("card.record", scope="agreement")
def class_cards(agreement, drive, school):
    """Set the card of every student of one class at this school in one step."""
    form = ClassCardsForm()
    form.class_name.choices = [(c, c) for c in drives.classes_of(drive, school.id)]
    return _group_cards(drive, school, form, form.class_name, "class", drives.set_class_status, lambda n: ngettext(
        "%(num)d student of class %(name)s recorded.", "%(num)d students of class %(name)s recorded.", n, name=form.class_name.data))


def _group_cards(drive, school, form, group, arg: str, record, recorded):
    """One card status for a whole group (`group`: the form's grade or class field, `arg` its query parameter),
    then back to the school's page showing that group."""
    outcome = submitted(form, lambda: record(current_actor(), drive, school.id, group.data, form.status.data))
    if outcome.saved:
        flash(recorded(outcome.result), "success")
    else:
        for problem in [*refusal(form), *group.errors, *form.status.errors]:
            flash(problem, "error")
    return redirect(url_for("cards.drive_school", agreement_id=drive.agreement_id, drive_id=drive.id, school_id=school.id,
                            **({arg: group.data} if group.data else {})), 303)


@bp.route("/drives/<int:drive_id>", defaults={"rest": ""}, methods=["GET", "POST"])
@bp.route("/drives/<int:drive_id>/<path:rest>", methods=["GET", "POST"])
@requires("agreement.view", scope="agreement")
def old_drive_address(agreement, drive, rest: str):
    """A drive's address from before drives moved under their agreement: 308 to the new one (the method
    and form kept), once the access check has passed, so it never reveals an agreement to someone else."""
    if not can("card.view"):
        abort(404)
    target = url_for("cards.drive", agreement_id=agreement.id, drive_id=drive.id) + (f"/{rest}" if rest else "")
    query = request.query_string.decode()
    return redirect(target + (f"?{query}" if query else ""), 308)
