from datetime import date
from typing import NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from flask_login import current_user
from sqlalchemy import select

from tracker.agreements import service, workflow
from tracker.agreements.forms import GoalForm, NewAgreementForm, PartyForm, StepForm, SummaryForm, TermForm
from tracker.agreements.forms import AgreementSearchForm
from tracker.audit import service as audit
from tracker.auth.access import can, current_actor, requires
from tracker.auth.models import User
from tracker.extensions import db
from tracker.forms import form_data
from tracker.htmx import render, render_fragment, render_fragment_html, wants_fragment
from tracker.orgs import service as orgs
from tracker.scope import agreements as seen
from tracker.scope.loading import Param, add_param, current_access
from tracker.scope.users import current_scope
from tracker.validation import Conflict, Invalid, apply_errors

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

SECTION_FORMS = {"summary": SummaryForm, "term": TermForm}
# Sections of the detail page, in order; later domains (documents, card drives, resources,
# milestones) add theirs with `add_section` from their own package.
class DetailSection(NamedTuple):
    template: str  # included on the agreement page
    anchor: str  # its element id is "section-<anchor>"; the page's contents link there
    label: object  # its name in the page's contents
    permission: str = "agreement.view"  # who sees it: users below a party see only what reaches them


DETAIL_SECTIONS = [
    DetailSection("agreements/_summary.html", "summary", _l("Summary")),
    DetailSection("agreements/_term.html", "term", _l("Term")),
    DetailSection("agreements/_parties.html", "parties", _l("Parties")),
    DetailSection("agreements/_goals.html", "goals", _l("SMART goals")),
]


def add_section(template: str, anchor: str, label, before: str | None = None, permission: str = "agreement.view") -> None:
    """Show another package's section on the agreement page (before the section with template `before`)."""
    if all(s.template != template for s in DETAIL_SECTIONS):
        templates = [s.template for s in DETAIL_SECTIONS]
        DETAIL_SECTIONS.insert(templates.index(before) if before else len(DETAIL_SECTIONS),
                               DetailSection(template, anchor, label, permission))


def _sections():
    """The sections the user sees here (a user below a party: not the history, health or communication log)."""
    return [s for s in DETAIL_SECTIONS if can(s.permission)]


def _history(agreement):
    return audit.history("agreement", agreement.id) if can("partnership.view") else None


add_param(Param("party_id", "party", "agreement", lambda access, agreement, value: next(
    (p for p in agreement.parties if p.id == value), None)))
add_param(Param("goal_id", "goal", "agreement", lambda access, agreement, value: next(
    (g for g in agreement.goals if g.id == value), None)))


@bp.route("")
@requires("agreement.view")
def index():
    form = AgreementSearchForm(formdata=request.args, meta={"csrf": False})
    scope = current_scope()
    query = service.search(
        seen.agreement_ids(scope), date.today(), q=form.q.data or "", status=form.status.data, kind=form.kind.data,
        organisation_id=form.org.data, expiring_within=form.expiring.data, sort=form.sort.data, direction=form.dir.data,
    )
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    if not wants_fragment():
        form.org.choices = [("", _("Any organisation"))] + [
            (o.id, o.name) for o in orgs.filter_choices(scope.own, form.org.data)]
    return render("agreements/index.html", "agreements/_results.html", page=page, form=form)


def _manager_choices():
    users = db.session.execute(select(User).where(User.active.is_(True)).order_by(User.name)).scalars()
    return [("", _("— none —"))] + [(u.id, u.name) for u in users]


@bp.route("/new", methods=["GET", "POST"])
@requires("agreement.create")
def create():
    form = NewAgreementForm()
    form.manager_id.choices = _manager_choices()
    party_choices = [("", _("— choose —"))] + [(o.id, f"{o.name} ({o.kind_label})") for o in orgs.choices()]
    for entry in form.parties:
        entry.organisation_id.choices = party_choices
    if request.method == "GET":
        form.manager_id.data = current_user.id
    if form.validate_on_submit():
        try:
            fields = service.ALL_FIELDS
            agreement = service.create(current_actor(), form_data(form, fields), form.party_data(), current_scope().own)
        except Invalid as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("Agreement created as a draft."), "success")
            return redirect(url_for("agreements.detail", agreement_id=agreement.id), 303)
    return render_template("agreements/new.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/<int:agreement_id>")
@requires("agreement.view", scope="agreement")
def detail(agreement):
    return render_template("agreements/detail.html", agreement=agreement, sections=_sections(), history=_history(agreement))


def _party_form(agreement, formdata=None):
    form = PartyForm(version=agreement.version, formdata=formdata)
    taken = {p.organisation_id for p in agreement.parties}
    form.organisation_id.choices = [("", _("— choose —"))] + [
        (o.id, f"{o.name} ({o.kind_label})") for o in orgs.choices() if o.id not in taken
    ]
    return form


def _section_response(agreement, section: str):
    """A section's display fragment (htmx), or back to the page (no JavaScript)."""
    if not wants_fragment():
        return redirect(url_for("agreements.detail", agreement_id=agreement.id) + f"#section-{section}", 303)
    context = {"agreement": agreement}
    html = render_template(f"agreements/_{section}.html", **context)
    if section != "status":  # the status bar's buttons carry the version, which just changed
        html += render_template("agreements/_status.html", oob=True, **context)
    if section == "summary":  # the page heading and the tab show the title
        html += render_template("agreements/_head.html", oob=True, **context)
        html += f"<title>{escape(agreement.title)} · {escape(_('Partnership Tracker'))}</title>"
    return render_fragment_html(html)


@bp.route("/<int:agreement_id>/sections/<section>")
@requires("agreement.view", scope="agreement")
def section(agreement, section: str):
    if section not in ("summary", "term", "parties", "goals", "status"):
        abort(404)
    return render_fragment(f"agreements/_{section}.html", agreement=agreement)


SECTION_LABELS = {
    "summary": (_l("Edit summary"), _l("Save summary")),
    "term": (_l("Edit term"), _l("Save term")),
}


@bp.route("/<int:agreement_id>/sections/<section>/edit", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def edit_section(agreement, section: str):
    if section not in SECTION_FORMS:
        abort(404)
    form = SECTION_FORMS[section](obj=agreement)
    if hasattr(form, "manager_id"):
        form.manager_id.choices = _manager_choices()
    heading, submit = SECTION_LABELS[section]
    return _section_form(
        agreement, section, form, heading, submit, url_for("agreements.edit_section", agreement_id=agreement.id, section=section),
        lambda version: service.update_section(current_actor(), agreement, section,
                                               form_data(form, service.SECTIONS[section]), version),
    )


@bp.route("/<int:agreement_id>/parties/new")
@requires("agreement.edit", scope="agreement")
def new_party(agreement):
    """The add-a-party form, loaded on demand: it lists every organisation."""
    return _party_section_form(agreement, _party_form(agreement))


@bp.route("/<int:agreement_id>/parties", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def add_party(agreement):
    return _party_section_form(agreement, _party_form(agreement, formdata=request.form))


def _party_section_form(agreement, form):
    return _section_form(
        agreement, "parties", form, _("Add a party"), _("Add party"), url_for("agreements.add_party", agreement_id=agreement.id),
        lambda version: service.add_party(current_actor(), agreement, form_data(form, service.PARTY_FIELDS), version),
    )


def _section_form(agreement, section: str, form, heading, submit, action: str, save):
    """A form that takes a section's place: shown on GET; on POST `save(version)` runs, then the
    section is shown again (200), or the form with its errors (422) or what others changed (409).
    Swapped in place for htmx, on a page of its own without JavaScript."""
    status, conflict = 200, None
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                save(form.read_version())
            except Invalid as exc:
                db.session.rollback()
                apply_errors(form, exc)
            except Conflict as exc:
                conflict, status = exc.changes, 409
                db.session.refresh(agreement)
                form.version.data = agreement.version  # saving again now applies it, knowingly
            else:
                if not wants_fragment():
                    flash(_("Saved."), "success")
                return _section_response(agreement, section)
    context = dict(agreement=agreement, form=form, conflict=conflict, section=section, heading=heading,
                   submit=submit, action=action)
    return render("agreements/edit_section.html", "agreements/_section_form.html", status, **context)


@bp.route("/<int:agreement_id>/parties/<int:party_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove_party(agreement, party):
    return _step(agreement, "parties",
                 lambda version: service.remove_party(current_actor(), agreement, party.id, version, current_scope().own))


@bp.route("/<int:agreement_id>/goals/new")
@requires("agreement.edit", scope="agreement")
def new_goal(agreement):
    return _goal_section_form(agreement, GoalForm(version=agreement.version, formdata=None))


@bp.route("/<int:agreement_id>/goals", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def add_goal(agreement):
    return _goal_section_form(agreement, GoalForm())


def _goal_section_form(agreement, form):
    return _section_form(
        agreement, "goals", form, _("Add a goal"), _("Add goal"), url_for("agreements.add_goal", agreement_id=agreement.id),
        lambda version: service.add_goal(current_actor(), agreement, form_data(form, service.GOAL_FIELDS), version),
    )


@bp.route("/<int:agreement_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def edit_goal(agreement, goal):
    """Update a goal, typically its progress."""
    form = GoalForm(obj=goal, version=agreement.version) if request.method == "GET" else GoalForm()
    return _section_form(
        agreement, "goals", form, _("Edit goal"), _("Save goal"),
        url_for("agreements.edit_goal", agreement_id=agreement.id, goal_id=goal.id),
        lambda version: service.update_goal(current_actor(), agreement, goal.id, form_data(form, service.GOAL_FIELDS), version),
    )


@bp.route("/<int:agreement_id>/goals/<int:goal_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove_goal(agreement, goal):
    return _step(agreement, "goals", lambda version: service.remove_goal(current_actor(), agreement, goal.id, version))


@bp.route("/<int:agreement_id>/status/<step>", methods=["POST"])
@requires("agreement.submit", scope="agreement")
def change_status(agreement, step: str):
    """Permission depends on the step (see workflow.TRANSITIONS); the service checks it and says why."""

    def move(version):
        done = service.transition(current_actor(), agreement, step, current_user.role, version, current_access().relation)
        return _("Status is now %(status)s.", status=workflow.STATUSES[done.target])

    return _step(agreement, "status", move)


def _step(agreement, section: str, change):
    """A one-button change (remove, status step): check the form, make the change, show the section.

    `change(version)` may return a message, flashed when the page reloads (no JavaScript).
    """
    form = StepForm()
    try:
        if not form.validate_on_submit():
            raise Invalid({"": _("The form was incomplete; reload the page.")})
        message = change(form.read_version())
    except (Invalid, Conflict) as exc:
        return _refused(agreement, section, exc)
    if message and not wants_fragment():
        flash(message, "success")
    return _section_response(agreement, section)


def _refused(agreement, section: str, exc):
    """Show a section again with the reason it refused a one-button change: 409 for a conflict, 422 otherwise."""
    db.session.rollback()
    db.session.refresh(agreement)
    conflict = exc.changes if isinstance(exc, Conflict) else None
    messages = [m for ms in exc.errors.values() for m in ms] if isinstance(exc, Invalid) else []
    context = {"messages": messages, "conflict": conflict, "refused_section": section}
    status = 409 if conflict else 422
    if wants_fragment():
        return render_fragment(f"agreements/_{section}.html", status, agreement=agreement, **context)
    return render_template("agreements/detail.html", agreement=agreement, sections=_sections(),
                           history=_history(agreement), **context), status
