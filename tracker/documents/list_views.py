"""The documents list and bulk work: one draft per school, the signed PDFs of a set as one zip."""
from flask import abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.agreements.models import Agreement, Party
from tracker.auth.access import requires
from tracker.auth.permissions import WHOLE
from tracker.documents import bulk, forms
from tracker.documents.models import Document, DocumentVersion
from tracker.documents.views import bp
from tracker.extensions import db
from tracker.jobs import service as jobs
from tracker.orgs import service as orgs
from tracker.orgs.models import Organisation
from tracker.orgs.service import descendants_and_self
from tracker.scope.agreements import visible
from tracker.scope.users import current_scope


@bp.route("/documents")
@requires("document.view")
def index():
    bulk_form = forms.BulkForm(formdata=None)
    _bulk_choices(bulk_form)
    return _index(_zip_choices(forms.ZipForm(formdata=None)), bulk_form)


def _index(zip_form, bulk_form, status: int = 200):
    return render_template("documents/index.html", rows=_visible_versions(), zip_form=zip_form, bulk_form=bulk_form), status


def _zip_choices(form):
    form.of.choices = [("all", _("all agreements I can see"))] + [
        (str(o.id), o.name) for o in orgs.filter_choices(current_scope().own, None)]
    return form


def _visible_versions():
    query = visible(select(DocumentVersion, Agreement).join(Document, DocumentVersion.document_id == Document.id)
                    .join(Agreement, Document.agreement_id == Agreement.id), current_scope())
    return db.session.execute(query.order_by(Agreement.title, Document.id, DocumentVersion.number).limit(500)).all()


def _bulk_choices(form):
    with_mou = visible(select(Agreement).where(Agreement.id.in_(select(Document.agreement_id))), current_scope(), WHOLE)
    form.template_id.choices = [("", _("— choose —"))] + [(a.id, a.title) for a in db.session.execute(
        with_mou.order_by(Agreement.title)).scalars()]
    # Any district: the new agreements keep the template's library party; start_bulk refuses a district whose
    # drafts the user could not see (neither the library nor the district is theirs).
    districts = select(Organisation).where(Organisation.kind == "district").order_by(Organisation.name)
    form.district_id.choices = [("", _("— choose —"))] + [(o.id, o.name) for o in db.session.execute(districts).scalars()]


@bp.route("/documents/bulk", methods=["POST"])
@requires("document.bulk")
def start_bulk():
    form = forms.BulkForm()
    _bulk_choices(form)
    valid = {v for v, _label in form.template_id.choices if v}, {v for v, _label in form.district_id.choices if v}
    if form.validate_on_submit():
        if form.template_id.data not in valid[0]:
            form.template_id.errors.append(_("Choose an agreement that has an MOU."))
        elif form.district_id.data not in valid[1]:
            form.district_id.errors.append(_("Choose a school district."))
        elif not bulk.results_visible(form.template_id.data, form.district_id.data, current_scope().own):
            form.district_id.errors.append(_("The new MOUs would be between this template's library and that district's "
                                             "schools, neither of which you work for. Choose one of your districts."))
        else:
            job = jobs.start("documents.bulk", _("Draft MOUs for every school"), "tracker.documents.bulk:generate_for_district",
                             {"template_id": form.template_id.data, "district_id": form.district_id.data,
                              "user_id": current_user.id}, current_user.id)
            return redirect(url_for("jobs.show", job_id=job.id), 303)
    return _index(_zip_choices(forms.ZipForm(formdata=None)), form, 422)


@bp.route("/documents/zip", methods=["POST"])
@requires("document.view")
def start_zip():
    form = _zip_choices(forms.ZipForm())
    if not form.validate_on_submit() or not (form.of.data == "all" or (form.of.data or "").isdigit()):
        form.of.errors = [_("Choose whose agreements to include.")]
        bulk_form = forms.BulkForm(formdata=None)
        _bulk_choices(bulk_form)
        return _index(form, bulk_form, 422)
    query = visible(select(Agreement.id), current_scope())
    if form.of.data != "all":
        below = descendants_and_self([int(form.of.data)])
        query = query.where(Agreement.id.in_(select(Party.agreement_id).where(Party.organisation_id.in_(below))))
    ids = list(db.session.execute(query).scalars())
    job = jobs.start("documents.zip", _("Signed MOUs as one zip"), "tracker.documents.bulk:zip_signed",
                     {"agreement_ids": ids}, current_user.id)
    return redirect(url_for("jobs.show", job_id=job.id), 303)


@bp.route("/documents/exports/<int:job_id>")
@requires("document.view")
def download_export(job_id: int):
    job = jobs.get_for(job_id, current_user)
    path = bulk.export_path(job_id)
    if job is None or job.kind != "documents.zip" or not path.exists():
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=f"signed-mous-{job_id}.zip")
