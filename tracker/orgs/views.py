import hashlib

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from tracker import clock
from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.auth.access import current_actor, requires
from tracker.extensions import db
from tracker.forms import form_data, refusal, submitted
from tracker.htmx import render, render_fragment
from tracker.orgs import logos, picker, service
from tracker.orgs.forms import ContactForm, LogoForm, OrganisationForm, OrganisationSearchForm
from tracker.orgs.models import BRANCH, PARENTS, Contact, Organisation
from tracker.partners import panel as partner_panel
from tracker.scope.loading import Param, add_param, child
from tracker.scope.users import current_scope

bp = Blueprint("orgs", __name__, url_prefix="/organisations")


add_param(Param("contact_id", "contact", "organisation", child(Contact, "organisation_id")))


def _organisation_form(obj=None) -> OrganisationForm:
    form = OrganisationForm(obj=obj)
    form.set_choices(parents=service.choices(PARENTS), branches=service.choices([BRANCH]))
    return form


@bp.route("")
@requires("org.view")
def index():
    form = OrganisationSearchForm(formdata=request.args, meta={"csrf": False})
    query = service.search(form.q.data or "", form.kind.data, form.sort.data, form.dir.data)
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render("orgs/index.html", "orgs/_results.html", page=page, form=form)


@bp.get("/pick")
@requires("org.view")
def pick():
    """The matches of an organisation picker's search box, as htmx asks for them while one types."""
    args = picker.search_args()
    q = args["q"] if args else ""
    found = picker.matches(q, args["exclude"]) if args else []
    return render_fragment("orgs/_picker_matches.html", matches=found, name=args["name"] if args else "",
                           multiple=bool(args and args["multiple"]), q=q, searched=bool(q.strip()), picker_label=picker.label)


@bp.route("/new", methods=["GET", "POST"])
@requires("org.create")
def create():
    form = _organisation_form()
    outcome = submitted(form, lambda: service.create_organisation(current_actor(), form_data(form, form.FIELDS)))
    if outcome.saved:
        flash(_("%(name)s was added.", name=outcome.result.name), "success")
        return redirect(url_for("orgs.detail", org_id=outcome.result.id), 303)
    return render_template("orgs/form.html", form=form, org=None), outcome.status


@bp.route("/<int:org_id>")
@requires("org.view", scope="organisation")
def detail(organisation):
    return detail_page(organisation, LogoForm(formdata=None))


def detail_page(organisation, logo_form, status=200, **refused):
    """The page; `refused`: a partner form sent back with its errors (tracker/partners/panel.py)."""
    return render_template("orgs/detail.html", org=organisation, history=sentences.lines(audit.history("organisation", organisation.id), subjects=False),
                           logo_form=logo_form or LogoForm(formdata=None), **partner_panel.section(organisation, **refused)), status


@bp.route("/<int:org_id>/logo")
@requires("org.view", scope="organisation")
def logo(organisation):
    """The kept (sanitised) logo; an SVG is sent with a policy that lets it run and load nothing."""
    if organisation.logo_type is None:
        return Response(status=404)
    response = Response(organisation.logo, mimetype=organisation.logo_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    response.set_etag(hashlib.sha256(organisation.logo).hexdigest())
    return response.make_conditional(request)


@bp.route("/<int:org_id>/logo", methods=["POST"])
@requires("org.edit", scope="organisation")
def upload_logo(organisation):
    form = LogoForm()
    limit = logos.MAX_BYTES

    def save():
        upload = form.logo.data
        return service.set_logo(current_actor(), organisation, upload.read(limit + 1) if upload else b"")

    outcome = submitted(form, save)
    if outcome.saved:
        flash(_("The logo of %(name)s was saved.", name=organisation.name), "success")
        return redirect(url_for("orgs.detail", org_id=organisation.id) + "#letterhead-logo", 303)
    return detail_page(organisation, form, outcome.status)


@bp.route("/<int:org_id>/logo/remove", methods=["POST"])
@requires("org.edit", scope="organisation")
def remove_logo(organisation):
    form = LogoForm()
    outcome = submitted(form, lambda: service.remove_logo(current_actor(), organisation))
    if outcome.saved:
        flash(_("The logo of %(name)s was removed.", name=organisation.name), "success")
    else:
        for message in refusal(form):
            flash(message, "error")
    return redirect(url_for("orgs.detail", org_id=organisation.id) + "#letterhead-logo", 303)


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@requires("org.edit", scope="organisation")
def edit(organisation):
    org = organisation
    form = _organisation_form(obj=org)
    outcome = submitted(form, lambda: service.update_organisation(current_actor(), org, form_data(form, form.FIELDS),
                                                                  current_scope().own))
    if outcome.saved:
        flash(_("Saved."), "success")
        return redirect(url_for("orgs.detail", org_id=org.id), 303)
    return render_template("orgs/form.html", form=form, org=org), outcome.status


@bp.route("/<int:org_id>/confirm", methods=["POST"])
@requires("org.confirm", scope="organisation")
def confirm(organisation):
    service.confirm(current_actor(), organisation, clock.today())
    flash(_("Details of %(name)s confirmed as current.", name=organisation.name), "success")
    return redirect(url_for("orgs.detail", org_id=organisation.id), 303)


@bp.route("/<int:org_id>/contacts/new", methods=["GET", "POST"])
@requires("contact.edit", scope="organisation")
def new_contact(organisation):
    return _contact_form(organisation, None)


@bp.route("/<int:org_id>/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@requires("contact.edit", scope="organisation")
def edit_contact(organisation, contact):
    return _contact_form(organisation, contact)


@bp.route("/<int:org_id>/contacts/<int:contact_id>/remove", methods=["POST"])
@requires("contact.edit", scope="organisation")
def remove_contact(organisation, contact):
    name = contact.name
    service.remove_contact(current_actor(), organisation, contact)
    flash(_("%(name)s was removed from the contacts.", name=name), "success")
    return redirect(url_for("orgs.detail", org_id=organisation.id) + "#contacts", 303)


def _contact_form(org: Organisation, contact: Contact | None):
    form = ContactForm(obj=contact)
    outcome = submitted(form, lambda: service.save_contact(current_actor(), org, form_data(form, form.FIELDS), contact))
    if outcome.saved:
        flash(_("Contact saved."), "success")
        return redirect(url_for("orgs.detail", org_id=org.id) + "#contacts", 303)
    return render_template("orgs/contact_form.html", form=form, org=org, contact=contact), outcome.status
