"""What a signed amendment changes outside its words: its typed terms carried into the agreement's records.

An amendment's terms are typed values: the agreement's own terms (end date, renewal and its length, notice,
modification window: agreement_terms.py) and the card programme's limits, numbers where the programme counts.
Its signer sees each changed term against the version it amends; when its last signature lands, the changed
terms are written into the agreement and its card programme through the audited-change helper, and so recorded.
"""
from flask_babel import gettext as _

from tracker.audit import service as audit
from tracker.cards.programme import programme_of
from tracker.clauses import language
from tracker.clauses import variables
from tracker.documents import agreement_terms, locality

# A version's term -> the card programme's field it sets, when an amendment changes it.
CARD_PROGRAMME = {"checkout_limit": "checkout_limit", "hold_limit": "hold_limit"}


def _before(version) -> dict:
    """The terms as the version amended states them: its typed terms, and the agreement's terms it fixed."""
    parent = version.parent
    fixed = language.from_json((parent.fixed_values or {}).get("context", {})) if parent.fixed_values else {}
    stated = agreement_terms.of_context(fixed.get("agreement", {})) if fixed else {}
    return {**stated, **(parent.terms or {})}


def changed_terms(version) -> dict:
    """{term: [before, after]} of what the amendment changes against its parent (as stored text)."""
    if version.parent is None:
        return {}
    before, after = _before(version), version.terms or {}
    return {k: [before.get(k), after.get(k)] for k in after
            if k in before and str(before.get(k) or "") != str(after.get(k) or "")}


def changes_in_words(version) -> list[tuple[str, str, str]]:
    """[(term, before, after)] as the signer reads them (dates in the document's language)."""
    changed = changed_terms(version)
    if not changed:  # an original, or an amendment changing no term: no locality to work out
        return []
    language_code, found = locality.of(version).language, []
    for key, (before, after) in changed.items():
        if key in agreement_terms.TERMS:
            label = agreement_terms.TERMS[key].label
            found.append((str(label), agreement_terms.words(key, before or "", language_code),
                          agreement_terms.words(key, after or "", language_code)))
        else:
            label = variables.TERM_LABELS.get(key, key)
            found.append((str(label), str(before or _("none")), str(after or _("none"))))
    return found


def carry_into_agreement(actor: audit.Actor, version) -> dict:
    """Write the changed terms into the agreement and its card programme (inside the signing transaction)."""
    if version.parent is None:
        return {}
    changed = changed_terms(version)
    agreement = version.document.agreement
    about = {"amendment": f"{version.document.title} ({version.label})"}
    typed = agreement_terms.typed({k: after for k, (_before, after) in changed.items() if k in agreement_terms.TERMS})
    carried = audit.populate_and_record(actor, agreement, typed, "agreement.amended", "agreement", agreement.id,
                                        list(typed), about=about) if typed else {}
    wholes = {CARD_PROGRAMME[k]: agreement_terms.whole(str(after or "")) for k, (_before, after) in changed.items()
              if k in CARD_PROGRAMME}
    limits = {field: value for field, value in wholes.items() if value is not None}
    programme = programme_of(agreement.id)
    if limits and programme is not None:
        changes = audit.populate_and_record(actor, programme, limits, "card_programme.amended", "agreement",
                                            agreement.id, list(limits), about=about)
        if changes:
            programme.version += 1
        carried.update(changes)
    return carried
