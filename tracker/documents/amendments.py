"""What a signed amendment changes outside its words: its typed terms carried into the agreement's records.

An amendment's terms are typed values (numbers where the programme counts); when its last signature lands,
the terms that changed against the version it amends and that the agreement keeps elsewhere (the card
programme's checkout and hold limits) are written there, audited against the agreement.
"""
from tracker.audit import service as audit
from tracker.cards.programme import programme_of

# A version's term -> the card programme's field it sets, when an amendment changes it.
CARD_PROGRAMME = {"checkout_limit": "checkout_limit", "hold_limit": "hold_limit"}


def changed_terms(version) -> dict:
    """{term: [before, after]} of what the amendment changes against its parent."""
    before, after = (version.parent.terms or {}) if version.parent else {}, version.terms or {}
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def carry_into_agreement(actor: audit.Actor, version) -> dict:
    """Write the changed terms into the agreement's card programme (inside the signing transaction)."""
    if version.parent is None:
        return {}
    changed = {CARD_PROGRAMME[k]: int(after) for k, (_before, after) in changed_terms(version).items()
               if k in CARD_PROGRAMME and str(after or "").isdigit()}
    agreement = version.document.agreement
    programme = programme_of(agreement.id)
    if not changed or programme is None:
        return {}
    changes = audit.populate_and_record(actor, programme, changed, "card_programme.amended", "agreement", agreement.id,
                                        list(changed), about={"amendment": f"{version.document.title} ({version.label})"})
    if changes:
        programme.version += 1
    return changes
