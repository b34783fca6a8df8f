"""The partner section of an organisation's page: send a contact a link; the proposals waiting, item by item."""
from tracker.partners import service
from tracker.partners.forms import SendLinkForm, decision_form


def section(org, send_form=None, decision_forms=None, conflicts=None) -> dict:
    """The template's values; a view re-rendering a refused form passes it in (and, for a 409, what changed)."""
    if send_form is None:
        send_form = SendLinkForm(formdata=None)
    send_form.set_choices(org.contacts)
    forms = decision_forms or {}
    proposals = [(p, forms.get(p.id) or decision_form(p)) for p in service.waiting(org)]
    return {"partner_send_form": send_form, "partner_proposals": proposals, "partner_words": service.words,
            "partner_conflicts": conflicts or {}}
