from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.agreements import parts
from tracker.auth.access import current_actor, requires
from tracker.resources import service
from tracker.resources.forms import ResourceForm
from tracker.resources.models import ResourceShare
from tracker.scope.loading import Param, add_param, child
from tracker.validation import Invalid

bp = Blueprint("resources", __name__, url_prefix="/agreements/<int:agreement_id>/resources")
parts.add_part(parts.Part("resources", _l("Resources"), (parts.Section(
    "resources", "resources/_section.html", lambda agreement, access: {"balance": service.agreement_balance(agreement)}),), position=60))




add_param(Param("share_id", "share", "agreement", child(ResourceShare, "agreement_id")))


def _form(agreement, obj=None):
    form = ResourceForm(obj=obj, formdata=request.form if request.method == "POST" else None)
    if obj is not None and request.method == "GET":
        form.value.data = f"{obj.value_cents / 100:.2f}"
    parties = [("", _("— choose —"))] + [(p.organisation_id, p.organisation.name) for p in agreement.parties]
    form.provider_id.choices = form.recipient_id.choices = parties
    return form


def _save(agreement, form, share=None):
    def save(version):
        data = form.data_for_service()
        try:
            if share is None:
                service.add(current_actor(), agreement, data)
            else:
                service.update(current_actor(), agreement, share, data)
        except Invalid as exc:
            if "value_cents" in exc.errors:
                exc.errors["value"] = exc.errors.pop("value_cents")
            raise
    return save


@bp.route("/new", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def new(agreement):
    form = _form(agreement)
    return parts.section_form(agreement, "resources", form, _("Add a resource"), _("Add resource"),
                              url_for("resources.new", agreement_id=agreement.id), _save(agreement, form))


@bp.route("/<int:share_id>/edit", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def edit(agreement, share):
    form = _form(agreement, share)
    return parts.section_form(agreement, "resources", form, _("Edit resource"), _("Save resource"),
                              url_for("resources.edit", agreement_id=agreement.id, share_id=share.id), _save(agreement, form, share),
                              row=f"resource-{share.id}")


@bp.route("/<int:share_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove(agreement, share):
    return parts.section_step(agreement, "resources", lambda version: service.remove(current_actor(), agreement, share))
