"""The documents list and bulk work: one draft per school, the signed PDFs of a set as one zip."""
from flask import abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.agreements.models import Agreement
from tracker.auth.access import requires
from tracker.documents import bulk, forms
from tracker.documents.models import Document, DocumentVersion
from tracker.documents.views import bp
from tracker.extensions import db
from tracker.forms import submitted
from tracker.jobs import service as jobs
from tracker.orgs import service as orgs
from tracker.scope.agreements import visible
from tracker.scope.users import current_scope
from tracker.validation import Invalid


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
    form.template_id.choices = [("", _("— choose —"))] + [(a.id, a.title) for a in bulk.templates_for(current_scope())]
    form.district_id.choices = [("", _("— choose —"))] + [(o.id, o.name) for o in bulk.districts()]


@bp.route("/documents/bulk", methods=["POST"])
@requires("document.bulk")
def start_bulk():
    form = forms.BulkForm()
    _bulk_choices(form)
    outcome = submitted(form, lambda: bulk.start_district_drafts(current_user.id, current_scope(), form.template_id.data,
                                                                 form.district_id.data))
    if outcome.saved:
        return redirect(url_for("jobs.show", job_id=outcome.result.id), 303)
    return _index(_zip_choices(forms.ZipForm(formdata=None)), form, outcome.status)


@bp.route("/documents/zip", methods=["POST"])
@requires("document.view")
def start_zip():
    form = _zip_choices(forms.ZipForm())

    def start():
        if not (form.of.data == "all" or (form.of.data or "").isdigit()):
            raise Invalid({"of": _("Choose whose agreements to include.")})
        return bulk.start_signed_zip(current_user.id, current_scope(), None if form.of.data == "all" else int(form.of.data))

    outcome = submitted(form, start)
    if outcome.saved:
        return redirect(url_for("jobs.show", job_id=outcome.result.id), 303)
    bulk_form = forms.BulkForm(formdata=None)
    _bulk_choices(bulk_form)
    return _index(form, bulk_form, outcome.status)


@bp.route("/documents/exports/<int:job_id>")
@requires("document.view")
def download_export(job_id: int):
    job = jobs.get_for(job_id, current_user)
    path = bulk.export_path(job_id)
    if job is None or job.kind != "documents.zip" or not path.exists():
        abort(404)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=f"signed-mous-{job_id}.zip")
