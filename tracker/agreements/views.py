from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from tracker import clock
from tracker.agreements import parts, service, workflow
from tracker.agreements.forms import GoalForm, NewAgreementForm, PartyForm, StepForm, SummaryForm, TermForm
from tracker.agreements.forms import AgreementSearchForm
from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.auth.access import can, current_actor, requires
from tracker.auth.models import User
from tracker.extensions import db
from tracker.fields import page_number
from tracker.forms import form_data, submitted
from tracker.htmx import render, render_fragment_html, wants_fragment
from tracker.orgs import picker
from tracker.orgs import service as orgs
from tracker.scope import agreements as seen
from tracker.scope.loading import Param, add_param, current_access
from tracker.scope.users import current_scope

bp = Blueprint("agreements", __name__, url_prefix="/agreements")

SECTION_FORMS = {"summary": SummaryForm, "term": TermForm}
RECENT = 4  # changes on the overview


def _history(agreement, access) -> dict:
    return {"history": sentences.lines(audit.history("agreement", agreement.id), subjects=False)}


def _glance(agreement, access, today) -> dict:
    return {"parties": agreement.parties}


def _recent(agreement, access, today) -> dict:
    return {"events": audit.history("agreement", agreement.id, limit=RECENT)}


parts.SHELL.add(parts.Section("status", "agreements/_status.html"))
parts.add_part(parts.Part("details", _l("Details"), (
    parts.Section("summary", "agreements/_summary.html"),
    parts.Section("term", "agreements/_term.html"),
    parts.Section("parties", "agreements/_parties.html"),
    parts.Section("goals", "agreements/_goals.html"),
), position=10))
parts.add_part(parts.Part("history", _l("History"), (parts.Section("history", "_history.html", _history),),
                          permission="partnership.view", position=100))
parts.add_glance(parts.Glance("about", "agreements/_glance.html", _glance))
parts.add_glance(parts.Glance("recent", "agreements/_recent.html", _recent, permission="partnership.view"))

add_param(Param("party_id", "party", "agreement", lambda access, agreement, value: next(
    (p for p in agreement.parties if p.id == value), None)))
add_param(Param("goal_id", "goal", "agreement", lambda access, agreement, value: next(
    (g for g in agreement.goals if g.id == value), None)))


@bp.route("")
@requires("agreement.view", cached=True)
def index():
    form = AgreementSearchForm(formdata=request.args, meta={"csrf": False})
    scope = current_scope()
    query = service.search(
        seen.agreement_ids(scope), clock.today(), q=form.q.data or "", status=form.status.data, kind=form.kind.data,
        organisation_id=form.org.data, expiring_within=form.expiring.data, sort=form.sort.data, direction=form.dir.data,
    )
    page = service.listed(query, page_number(request.args.get("page")), current_app.config["PER_PAGE"])
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
    for entry in form.parties:
        picker.attach(entry.organisation_id, optional=True)
    if request.method == "GET":
        form.manager_id.data = current_user.id
    outcome = submitted(form, lambda: service.create(current_actor(), form_data(form, service.ALL_FIELDS), form.party_data(),
                                                     current_scope().own))
    if outcome.saved:
        flash(_("Agreement created as a draft."), "success")
        return redirect(url_for("agreements.detail", agreement_id=outcome.result.id), 303)
    return render_template("agreements/new.html", form=form), outcome.status


@bp.route("/<int:agreement_id>")
@requires("agreement.view", scope="agreement", cached=True)
def detail(agreement):
    return parts.overview(agreement)


@bp.route("/<int:agreement_id>/<part>")
@requires("agreement.view", scope="agreement", cached=True)
def part(agreement, part: str):
    found = parts.find_part(part)
    if found is None or found.endpoint:
        abort(404)
    if not parts.shows(found):
        abort(403)
    return parts.part_page(agreement, part)


def _party_form(agreement, formdata=None):
    form = PartyForm(version=agreement.version, formdata=formdata)
    picker.attach(form.organisation_id, exclude={p.organisation_id for p in agreement.parties})
    return form


@bp.route("/<int:agreement_id>/sections/<section>")
@requires("agreement.view", scope="agreement")
def section(agreement, section: str):
    """A section alone, as htmx swaps it back (after Cancel); its part's page without JavaScript."""
    part, found = parts.find_section(section)
    if found is None:
        abort(404)
    if not can(found.permission) or (part is not None and not parts.shows(part)):
        abort(403)
    if not wants_fragment():
        return redirect(parts.part_url(agreement, part.key if part else "", section), 303)
    return render_fragment_html(parts.render_section(agreement, found))


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

    def save(version):
        service.update_section(current_actor(), agreement, section, form_data(form, service.SECTIONS[section]), version)

    return parts.section_form(agreement, section, form, heading, submit,
                              url_for("agreements.edit_section", agreement_id=agreement.id, section=section), save)


@bp.route("/<int:agreement_id>/parties/new")
@requires("agreement.edit", scope="agreement")
def new_party(agreement):
    """The add-a-party form, loaded on demand, its organisation picked by typing part of a name."""
    return _party_section_form(agreement, _party_form(agreement))


@bp.route("/<int:agreement_id>/parties", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def add_party(agreement):
    return _party_section_form(agreement, _party_form(agreement, formdata=request.form))


def _party_section_form(agreement, form):
    def save(version):
        service.add_party(current_actor(), agreement, form_data(form, service.PARTY_FIELDS), version)

    return parts.section_form(agreement, "parties", form, _("Add a party"), _("Add party"),
                              url_for("agreements.add_party", agreement_id=agreement.id), save)


@bp.route("/<int:agreement_id>/parties/<int:party_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove_party(agreement, party):
    return parts.section_step(agreement, "parties", lambda version: service.remove_party(
        current_actor(), agreement, party.id, version, current_scope().own), StepForm())


@bp.route("/<int:agreement_id>/goals/new")
@requires("agreement.edit", scope="agreement")
def new_goal(agreement):
    return _goal_section_form(agreement, GoalForm(version=agreement.version, formdata=None))


@bp.route("/<int:agreement_id>/goals", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def add_goal(agreement):
    return _goal_section_form(agreement, GoalForm())


def _goal_section_form(agreement, form):
    def save(version):
        service.add_goal(current_actor(), agreement, form_data(form, service.GOAL_FIELDS), version)

    return parts.section_form(agreement, "goals", form, _("Add a goal"), _("Add goal"),
                              url_for("agreements.add_goal", agreement_id=agreement.id), save)


@bp.route("/<int:agreement_id>/goals/<int:goal_id>/edit", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def edit_goal(agreement, goal):
    """Update a goal, typically its progress."""
    form = GoalForm(obj=goal, version=agreement.version) if request.method == "GET" else GoalForm()

    def save(version):
        service.update_goal(current_actor(), agreement, goal.id, form_data(form, service.GOAL_FIELDS), version)

    return parts.section_form(agreement, "goals", form, _("Edit goal"), _("Save goal"),
                              url_for("agreements.edit_goal", agreement_id=agreement.id, goal_id=goal.id), save,
                              row=f"goal-{goal.id}")


@bp.route("/<int:agreement_id>/goals/<int:goal_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove_goal(agreement, goal):
    return parts.section_step(agreement, "goals", lambda version: service.remove_goal(
        current_actor(), agreement, goal.id, version), StepForm())


@bp.route("/<int:agreement_id>/status/<step>", methods=["POST"])
@requires("agreement.submit", scope="agreement")
def change_status(agreement, step: str):
    """Permission depends on the step (see workflow.TRANSITIONS); the service checks it and says why."""

    def move(version):
        done = service.transition(current_actor(), agreement, step, current_user.role, version, current_access().relation)
        return _("Status is now %(status)s.", status=workflow.STATUSES[done.target])

    return parts.section_step(agreement, "status", move, StepForm())
