from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from tracker import clock
from tracker.agreements import parts
from tracker.auth.access import current_actor, requires
from tracker.auth.models import User, membership
from tracker.extensions import db
from tracker.milestones import service
from tracker.milestones.forms import CommunicationForm, MilestoneForm, TemplateForm
from tracker.orgs.models import Contact
from tracker.scope.loading import Param, add_param
from tracker.validation import Invalid

bp = Blueprint("milestones", __name__, url_prefix="/agreements/<int:agreement_id>")


def _milestone(access, agreement, milestone_id: int):
    """One of the agreement's milestones; below a party, one the user's organisation owes or they own."""
    found = next((m for m in agreement.milestones if m.id == milestone_id), None)
    return found if found is not None and service.concerns(found, access) else None


add_param(Param("milestone_id", "milestone", "agreement", _milestone))


def _milestones(agreement, access) -> dict:
    """The agreement's milestones the user sees (below a party: those of their organisation or their own)."""
    return {"shown": [m for m in agreement.milestones if service.concerns(m, access)], "templates": service.TEMPLATES}


def _overdue(agreement, access, today) -> list:
    return [parts.Notice(_("Milestone overdue: %(title)s", title=m.title),
                         parts.part_url(agreement, "milestones", "milestones"), m.due_date, late=True)
            for m in agreement.milestones if m.overdue(today) and service.concerns(m, access)]


parts.add_part(parts.Part("milestones", _l("Milestones and meetings"), (
    parts.Section("milestones", "milestones/_section.html", _milestones),
    parts.Section("communications", "milestones/_communications.html", permission="partnership.view"),
), position=70))
parts.add_attention(parts.Attention("overdue_milestones", _overdue))


def _party_ids(agreement) -> list[int]:
    return [p.organisation_id for p in agreement.parties]


def _user_choices(agreement):
    users = db.session.execute(
        select(User).join(membership, membership.c.user_id == User.id)
        .where(membership.c.organisation_id.in_(_party_ids(agreement)), User.active.is_(True))
        .order_by(User.name).distinct()
    ).scalars().all()
    if agreement.manager is not None and agreement.manager not in users:
        users.append(agreement.manager)
    return [("", _("— none —"))] + [(u.id, u.name) for u in users]


def _milestone_form(agreement, obj=None):
    form = MilestoneForm(obj=obj, formdata=request.form if request.method == "POST" else None)
    form.party_id.choices = [("", _("— none —"))] + [(o.id, o.name) for o in service.may_owe(agreement)]
    form.owner_user_id.choices = _user_choices(agreement)
    contacts = db.session.execute(select(Contact).where(Contact.organisation_id.in_(_party_ids(agreement)))
                                  .order_by(Contact.name)).scalars()
    form.owner_contact_id.choices = [("", _("— none —"))] + [(c.id, f"{c.name} ({c.organisation.name})") for c in contacts]
    return form


def _fields(form) -> dict:
    return {name: getattr(form, name).data for name in service.FIELDS}


@bp.route("/milestones/new", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def new(agreement):
    form = _milestone_form(agreement)
    return parts.section_form(agreement, "milestones", form, _("Add a milestone"), _("Add milestone"),
                              url_for("milestones.new", agreement_id=agreement.id),
                              lambda version: service.add(current_actor(), agreement, _fields(form), clock.today())[1])


@bp.route("/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def edit(agreement, milestone):
    form = _milestone_form(agreement, milestone)
    return parts.section_form(agreement, "milestones", form, _("Edit milestone"), _("Save milestone"),
                              url_for("milestones.edit", agreement_id=agreement.id, milestone_id=milestone.id),
                              lambda version: service.update(current_actor(), agreement, milestone, _fields(form), clock.today()),
                              row=f"milestone-{milestone.id}")


@bp.route("/milestones/<int:milestone_id>/done", methods=["POST"])
@requires("milestone.done", scope="agreement")
def done(agreement, milestone):
    return parts.section_step(agreement, "milestones", lambda version: service.mark_done(
        current_actor(), agreement, milestone, clock.today()))


@bp.route("/milestones/<int:milestone_id>/remove", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def remove(agreement, milestone):
    def remove_it(version):
        service.remove(current_actor(), agreement, milestone)
        db.session.refresh(agreement)

    return parts.section_step(agreement, "milestones", remove_it)


@bp.route("/milestones/templates", methods=["POST"])
@requires("agreement.edit", scope="agreement")
def apply_template(agreement):
    form = TemplateForm()
    form.template.choices = [(t.key, t.label) for t in service.TEMPLATES]

    def apply(version):
        if form.template.data not in {t.key for t in service.TEMPLATES}:
            raise Invalid({"template": _("Choose a timeline template.")})
        added = service.apply_template(current_actor(), agreement, form.template.data, clock.today())
        return [ngettext("Added %(num)s milestone.", "Added %(num)s milestones.", len(added)) if added else
                _("Nothing added: the agreement already has this template's milestones, or none fall in its term.")]

    return parts.section_step(agreement, "milestones", apply)


# ---- communication log -----------------------------------------------------------------------

@bp.route("/communications/new", methods=["GET", "POST"])
@requires("agreement.edit", scope="agreement")
def new_communication(agreement):
    form = CommunicationForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.held_on.data = clock.today()
    users = _user_choices(agreement)
    for entry in form.follow_ups:
        entry.owner_user_id.choices = users

    def save(version):
        data = {f: getattr(form, f).data for f in service.COMMUNICATION_FIELDS}
        return service.log_communication(current_actor(), agreement, data, form.follow_up_data(), clock.today())[1]

    return parts.section_form(agreement, "communications", form, _("Log a meeting, call or note"), _("Save to the log"),
                              url_for("milestones.new_communication", agreement_id=agreement.id), save)
