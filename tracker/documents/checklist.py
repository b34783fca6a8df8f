"""What to put right before a draft is submitted: clauses that cannot be written out, values they print that
are empty, clauses whose words contradict the agreement's term, renewal or notice, and parties nobody signs for.

Clauses that cannot be written out, empty values and clauses that contradict the agreement's term, renewal or
notice stop the submission: the words would be wrong, and a signed document that contradicts its agreement is
wrong. A party nobody signs for is shown at submission (a signatory can still be added while the version awaits
approval) and stops the sending for signature. Each item names the clause or the party and where to mend it.
"""
import copy
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.clauses import variables
from tracker.documents import text

# Where an empty value is filled in, by the start of its name.
WHERE = {
    "grades": _l("the document's terms, or the grades of the agreement's card drive"),
    "terms.": _l("the document's terms"),
    "agreement.": _l("the agreement's details"),
    "library.": _l("the library's organisation record"),
    "school.": _l("the school side's organisation records"),
    "parties.": _l("the parties' organisation records"),
    "schools": _l("the agreement's parties"),
}


# Where an item is mended: the clause's text, the version's signatories or terms, the agreement's details.
CLAUSE, SIGNATORIES, SETTINGS, DETAILS = "clause", "signatories", "settings", "details"


@dataclass
class Item:
    text: str
    blocks: bool  # the draft cannot be submitted while it stands
    item_id: int | None = None  # the clause to mend, if it is about one
    mend: str = CLAUSE  # where it is mended (CLAUSE with item_id, SIGNATORIES, SETTINGS, DETAILS)
    blocks_sending: bool = False  # the version cannot be sent for signature while it stands
    or_details: bool = False  # the agreement's details may be what is wrong (a contradiction)


def _mend(name: str) -> str:
    return SETTINGS if name.startswith(("terms.", "grades")) else DETAILS


def _where(name: str) -> str:
    return str(next((where for prefix, where in WHERE.items() if name.startswith(prefix)), _("the agreement")))


def _value(values: dict, name: str):
    value = values
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _empty(value) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


MARK = "\u2063missing\u2063"


def _reached(body: str, values: dict, name: str) -> bool:
    """Whether the clause, as the agreement stands, prints this value (not only in a branch it does not take):
    written out with a mark in the value's place, the mark shows."""
    marked = copy.deepcopy(values)
    branch = marked
    *path, last = name.split(".")
    for part in path:
        branch = branch.setdefault(part, {})
    branch[last] = MARK
    try:
        return MARK in variables.render(body, marked)
    except Exception:  # noqa: BLE001  a clause that cannot be written out is reported as such
        return True


def _numbers(words: str, unit: str) -> set[int]:
    return {int(n) for n in re.findall(rf"\b(\d+)\s+{unit}", words)}


def contradictions(category: str, words: str, agreement: dict) -> list[str]:
    """Where a clause's words say something else than the agreement about its term, renewal or notice."""
    found = []
    notice = agreement.get("notice_days")
    if category == "termination" and notice:
        other = sorted(_numbers(words, "days") - {notice})
        if other:
            found.append(_("it gives %(days)s days' notice; the agreement's termination notice is %(notice)s days.",
                           days=", ".join(map(str, other)), notice=notice))
    if category == "term":
        renewal = agreement.get("renewal_kind")
        says_automatic = re.search(r"renews? automatically|automatic(ally)? renew", words, re.I)
        says_none = re.search(r"does not renew|will not renew|no renewal", words, re.I)
        if renewal != "automatic" and says_automatic:
            found.append(_("it says the agreement renews automatically; the agreement's renewal is %(renewal)s.",
                           renewal=agreement.get("renewal")))
        if renewal != "none" and says_none:
            found.append(_("it says the agreement does not renew; the agreement's renewal is %(renewal)s.",
                           renewal=agreement.get("renewal")))
        months = agreement.get("renewal_months")
        other = sorted(_numbers(words, "months") - {months})
        if other:
            found.append(_("it speaks of %(months)s months; the agreement's renewal length is %(length)s.",
                           months=", ".join(map(str, other)), length=months or _("not set")))
        years = {d.year for d in (agreement.get("effective_date"), agreement.get("end_date")) if hasattr(d, "year")}
        stray = sorted({int(y) for y in re.findall(r"\b(20\d\d)\b", words)} - years)
        if stray:
            found.append(_("it names the year %(years)s, which is neither the effective date's nor the end date's.",
                           years=", ".join(map(str, stray))))
    return found


def covered(org, signatories) -> bool:
    """Someone signs for this party: a signatory of the organisation or one above it (a district for its school,
    a library system for its branch), by their organisation's name or as one of its users."""
    chain, current = [], org
    while current is not None and current not in chain:
        chain.append(current)
        current = current.parent
    names = {o.name.casefold() for o in chain}
    ids = {o.id for o in chain}
    for s in signatories:
        if s.organisation and s.organisation.strip().casefold() in names:
            return True
        if s.user is not None and {o.id for o in s.user.organisations} & ids:
            return True
    return False


def items(version, sections: list | None = None) -> list[Item]:
    """Everything to put right or check, in the order of the document (`sections`: already rendered)."""
    values, _language = text.context(version)
    found: list[Item] = []
    for section, clause in zip(sections if sections is not None else text.sections(version), version.clauses):
        label = _("Clause %(n)s (%(title)s)", n=section.number, title=section.title)
        if section.problems:
            found.append(Item(_("%(clause)s cannot be written out: %(problems)s", clause=label,
                                problems=" ".join(section.problems)), True, clause.id))
            continue
        for name in dict.fromkeys(variables.reading(clause.body).printed):
            if _empty(_value(values, name)) and _reached(clause.body, values, name):
                found.append(Item(_("%(clause)s prints {{ %(name)s }}, which is empty: fill it in on %(where)s.",
                                    clause=label, name=name, where=_where(name)), True, clause.id, _mend(name)))
        for problem in contradictions(clause.category, section.text, values.get("agreement", {})):
            found.append(Item(_("%(clause)s contradicts the agreement: %(problem)s Mend the clause, or the agreement's "
                                "term if the clause is right.", clause=label, problem=problem), True, clause.id, or_details=True))
    return found + unsigned_parties(version)


def unsigned_parties(version) -> list[Item]:
    """The parties nobody signs for: shown at submission, and the version is not sent for signature until each has
    a signatory."""
    return [Item(_("Nobody signs for %(party)s: add a signatory from it (or from the organisation above it).",
                   party=party.organisation.name), False, mend=SIGNATORIES, blocks_sending=True)
            for party in version.document.agreement.parties
            if not covered(party.organisation, version.signatories)]


def shown(version, sections: list | None = None) -> list[Item]:
    """What the version page lists at its stage: the whole checklist on a draft; before signing, the parties nobody
    signs for (they block sending it); nothing once it is out."""
    if version.editable:
        return items(version, sections)
    return unsigned_parties(version) if version.before_signing else []


def blocking(version) -> list[Item]:
    return [i for i in items(version) if i.blocks]
