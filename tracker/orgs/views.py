from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker.audit import service as audit
from tracker.auth.access import current_actor, requires, scope_ids
from tracker.extensions import db
from tracker.forms import form_data
from tracker.htmx import render
from tracker.orgs import service
from tracker.orgs.forms import ContactForm, OrganisationForm
from tracker.orgs.models import BRANCH, KINDS, PARENTS, Contact, Organisation
from tracker.validation import Invalid, apply_errors

bp = Blueprint("orgs", __name__, url_prefix="/organisations")


def get_organisation_or_404(org_id: int, for_edit: bool = False) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    if for_edit and not service.in_scope(org, scope_ids()):
        abort(403)
    return org


def _organisation_form(obj=None) -> OrganisationForm:
    form = OrganisationForm(obj=obj)
    form.set_choices(parents=service.choices(PARENTS), branches=service.choices([BRANCH]))
    return form


@bp.route("")
@requires("org.view")
def index():
    args = request.args
    kind = args.get("kind", "")
    query = service.search(args.get("q", ""), kind, args.get("sort", "name"), args.get("dir", "asc"))
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render("orgs/index.html", "orgs/_results.html", page=page, kinds=KINDS, args=args)


@bp.route("/new", methods=["GET", "POST"])
@requires("org.create")
def create():
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            org = service.create_organisation(current_actor(), form_data(form, form.FIELDS))
        except Invalid as exc:
            apply_errors(form, exc)
        else:
            flash(_("%(name)s was added.", name=org.name), "success")
            return redirect(url_for("orgs.detail", org_id=org.id), 303)
    return render_template("orgs/form.html", form=form, org=None), 422 if form.is_submitted() else 200


@bp.route("/<int:org_id>")
@requires("org.view", scope="org")
def detail(org_id: int):
    org = get_organisation_or_404(org_id)
    return render_template(
        "orgs/detail.html", org=org, history=audit.history("organisation", org.id),
        editable=service.in_scope(org, scope_ids()),
    )


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@requires("org.edit", scope="org")
def edit(org_id: int):
    org = get_organisation_or_404(org_id, for_edit=True)
    form = _organisation_form(obj=org)
    if form.validate_on_submit():
        try:
            service.update_organisation(current_actor(), org, form_data(form, form.FIELDS), scope_ids())
        except Invalid as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("orgs.detail", org_id=org.id), 303)
    return render_template("orgs/form.html", form=form, org=org), 422 if form.is_submitted() else 200


@bp.route("/<int:org_id>/confirm", methods=["POST"])
@requires("org.confirm", scope="org")
def confirm(org_id: int):
    org = get_organisation_or_404(org_id, for_edit=True)
    service.confirm(current_actor(), org, date.today())
    flash(_("Details of %(name)s confirmed as current.", name=org.name), "success")
    return redirect(url_for("orgs.detail", org_id=org.id), 303)


@bp.route("/<int:org_id>/contacts/new", methods=["GET", "POST"])
@requires("contact.edit", scope="org")
def new_contact(org_id: int):
    org = get_organisation_or_404(org_id, for_edit=True)
    return _contact_form(org, None)


@bp.route("/<int:org_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires("contact.edit", scope="org")
def edit_contact(org_id: int, contact_id: int):
    org = get_organisation_or_404(org_id, for_edit=True)
    return _contact_form(org, _contact_or_404(org, contact_id))


@bp.route("/<int:org_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@requires("contact.edit", scope="org")
def remove_contact(org_id: int, contact_id: int):
    org = get_organisation_or_404(org_id, for_edit=True)
    contact = _contact_or_404(org, contact_id)
    name = contact.name
    service.remove_contact(current_actor(), org, contact)
    flash(_("%(name)s was removed from the contacts.", name=name), "success")
    return redirect(url_for("orgs.detail", org_id=org.id) + "#contacts", 303)


def _contact_or_404(org: Organisation, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.organisation_id != org.id:
        abort(404)
    return contact


def _contact_form(org: Organisation, contact: Contact | None):
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        service.save_contact(current_actor(), org, form_data(form, form.FIELDS), contact)
        flash(_("Contact saved."), "success")
        return redirect(url_for("orgs.detail", org_id=org.id) + "#contacts", 303)
    return render_template("orgs/contact_form.html", form=form, org=org, contact=contact), 422 if form.is_submitted() else 200
