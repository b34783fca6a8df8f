"""A partner's link (public, no account): confirm or correct; and the staff side on an organisation's page:
send a link, decide a proposal. The organisation page itself is tracker/orgs/views.py."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from tracker import clock, limits
from tracker.auth.access import current_actor, public, requires
from tracker.extensions import db
from tracker.forms import submitted
from tracker.orgs.models import Contact
from tracker.orgs.views import detail_page
from tracker.partners import links, service
from tracker.partners.forms import ConfirmForm, CorrectionsForm, SendLinkForm, decision_form
from tracker.partners.models import CONTACT_FIELDS, DETAIL_FIELDS, ProposedChange
from tracker.scope.loading import Param, add_param, child
from tracker.validation import Invalid

bp = Blueprint("partners", __name__, url_prefix="/partner")
staff = Blueprint("partner_changes", __name__, url_prefix="/organisations")

add_param(Param("proposal_id", "proposal", "organisation", child(ProposedChange, "organisation_id")))


def _opened(token: str):
    """(the open link, None), or (None, the page saying why it cannot be used: 410 used or expired, 404 unknown)."""
    try:
        return links.open_link(token), None
    except links.LinkRefused as refused:
        return None, (render_template("partners/link_problem.html", message=refused.message), 410 if refused.gone else 404)


def _refusal_as_invalid(action):
    """A link used or expired between reading the page and sending it: the message at the top of the form."""
    try:
        return action()
    except links.LinkRefused as refused:
        raise Invalid({"": refused.message}) from refused


@bp.route("/<token>", methods=["GET", "POST"])
@limits.page_limit("partner-link")
@public
def page(token: str):
    """The organisation's details and contacts, to confirm or correct, for whoever holds the link."""
    link, refusal = _opened(token)
    if refusal:
        return refusal
    org = link.organisation
    form = CorrectionsForm(obj=org) if request.method == "GET" else CorrectionsForm()
    if request.method == "POST" and request.form.get("another"):  # "Add another contact": one more empty row
        if len(form.new_contacts) < form.new_contacts.max_entries:
            form.new_contacts.append_entry()
        return _link_page(link, token, form, ConfirmForm(formdata=None), 200)

    def save():
        contacts = [{"id": row.form.id.data, "remove": row.form.remove.data,
                     **{name: getattr(row.form, name).data for name in CONTACT_FIELDS}} for row in form.contacts]
        details = {name: getattr(form, name).data or "" for name in DETAIL_FIELDS}
        new = [{name: getattr(row.form, name).data for name in CONTACT_FIELDS} for row in form.new_contacts]
        return _refusal_as_invalid(lambda: service.propose(current_actor(), token, details, contacts, new))

    outcome = submitted(form, save)
    if outcome.saved:
        count = len(outcome.result.items)
        flash(ngettext("Thank you: your correction was sent to the library staff, who will check it.",
                       "Thank you: your %(num)d corrections were sent to the library staff, who will check them.",
                       count), "success")
        return redirect(url_for("partners.thanks"), 303)
    return _link_page(link, token, form, ConfirmForm(formdata=None), outcome.status)


@bp.route("/<token>/confirm", methods=["POST"])
@limits.page_limit("partner-link")
@public
def confirm(token: str):
    link, refusal = _opened(token)
    if refusal:
        return refusal
    form = ConfirmForm()
    org = link.organisation
    outcome = submitted(form, lambda: _refusal_as_invalid(
        lambda: service.confirm(current_actor(), token, clock.today_of(org))))
    if outcome.saved:
        flash(_("Thank you: the details of %(name)s are confirmed as correct.", name=org.name), "success")
        return redirect(url_for("partners.thanks"), 303)
    return _link_page(link, token, CorrectionsForm(obj=org, formdata=None), form, outcome.status)


def _link_page(link, token: str, form: CorrectionsForm, confirm_form: ConfirmForm, status: int):
    """The link's page: the corrections form and the "Everything is correct" button, one of them perhaps refused."""
    return render_template("partners/link.html", org=link.organisation, link=link, form=form, confirm_form=confirm_form,
                           token=token), status


@bp.get("/thanks")
@public
def thanks():
    return render_template("partners/thanks.html")


def by_sender() -> str:
    return limits.keyed(current_user.email if current_user.is_authenticated else limits.by_address(), "partner-sender")


def by_recipient() -> str:
    contact = None
    raw = request.form.get("contact_id") or ""
    if raw.isdigit() and len(raw) < 10:
        contact = db.session.get(Contact, int(raw))
    return limits.keyed(contact.email if contact is not None and contact.email else raw, "partner-recipient")


@staff.route("/<int:org_id>/partner-link", methods=["POST"])
@limits.page_limit("partner-link-sender", key=by_sender)
@limits.page_limit("partner-link-recipient", key=by_recipient)
@requires("org.request_review", scope="organisation")
def send(organisation):
    form = SendLinkForm()
    form.set_choices(organisation.contacts)

    outcome = submitted(form, lambda: service.send_link(current_actor(), organisation, form.contact_id.data))
    if outcome.saved:
        flash(_("A link to confirm or correct the details was emailed to %(name)s. It works once, within %(days)d days.",
                name=outcome.result.contact_name, days=links.days()), "success")
        return redirect(url_for("orgs.detail", org_id=organisation.id) + "#partner-updates", 303)
    return detail_page(organisation, None, outcome.status, send_form=form)


@staff.route("/<int:org_id>/proposals/<int:proposal_id>", methods=["POST"])
@requires("org.request_review", scope="organisation")
def decide(organisation, proposal):
    form = decision_form(proposal)

    def save():
        choices = {int(f.name.removeprefix("item_")): f.data == "accept" for f in form
                   if f.name.startswith("item_") and f.data in ("accept", "reject")}
        seen = {int(f.name.removeprefix("seen_")): f.data for f in form if f.name.startswith("seen_") and f.data}
        return service.decide(current_actor(), organisation, proposal, choices, clock.today_of(organisation), seen)

    outcome = submitted(form, save)
    if outcome.saved:
        flash(ngettext("%(num)d proposed change decided.", "%(num)d proposed changes decided.", outcome.result), "success")
        return redirect(url_for("orgs.detail", org_id=organisation.id) + "#partner-updates", 303)
    for clash in outcome.conflict or ():  # 409: what changed since, shown; sent again, accepted over it knowingly
        form[f"seen_{clash['item']}"].data = clash["now"]
    return detail_page(organisation, None, outcome.status, decision_forms={proposal.id: form},
                       conflicts={proposal.id: outcome.conflict} if outcome.conflict else None)
