"""A version's words: the values its clauses may use, the rendered text and its hash, the diff to its parent."""
import difflib
import hashlib
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from jinja2 import TemplateError

from tracker.agreements.models import KINDS, MONTHS, RENEWALS, TERM_KINDS
from tracker.clauses import variables
from tracker.orgs.models import LIBRARY_KINDS, SCHOOL_KINDS


def _long(value) -> str:
    return value.strftime("%-d %B %Y") if value else _("(not set)")


def _address(org) -> str:
    parts = [org.street, org.city, " ".join(p for p in (org.region, org.postal_code) if p)]
    return ", ".join(p for p in parts if p) or _("(address not recorded)")


def context_for(agreement, terms: dict) -> dict:
    """The only values a clause can reach: plain strings, built from the agreement and the version's terms."""
    orgs = [p.organisation for p in agreement.parties]
    library = next((o for o in orgs if o.kind in LIBRARY_KINDS), None)
    school = next((o for o in orgs if o.kind in SCHOOL_KINDS), None)
    schools = []
    for o in orgs:
        if o.kind == "school":
            schools.append(o.name)
        elif o.kind == "district":
            schools.extend(c.name for c in o.children if c.kind == "school")
    window = ""
    if agreement.modification_window_start and agreement.modification_window_end:
        window = f"{MONTHS[agreement.modification_window_start]}–{MONTHS[agreement.modification_window_end]}"

    def party(o):
        return {"name": o.name, "address": _address(o)} if o else {"name": _("(no such party)"), "address": ""}

    return {
        "agreement": {
            "title": agreement.title,
            "kind": str(KINDS.get(agreement.kind, agreement.kind)),
            "purpose": agreement.purpose or "",
            "effective_date": _long(agreement.effective_date),
            "end_date": _long(agreement.end_date) if agreement.end_date else _("(no end date)"),
            "term": str(TERM_KINDS.get(agreement.term_kind, agreement.term_kind)).lower(),
            "renewal": str(RENEWALS.get(agreement.renewal, agreement.renewal)).lower(),
            "renewal_months": str(agreement.renewal_months or 0),
            "notice_days": str(agreement.notice_days or 0),
            "modification_window": window or _("(no modification window)"),
        },
        "parties": {"library": party(library), "school": party(school), "names": _join([o.name for o in orgs])},
        "schools": _join(schools) or _("(no schools named)"),
        "terms": {name: str(terms.get(name, default)) for name, default in variables.TERM_DEFAULTS.items()},
    }


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " " + _("and") + " " + names[-1]


@dataclass
class Section:
    number: int
    title: str
    text: str
    problems: list[str]


def fix_values(version) -> None:
    """Fix what the clauses say about the agreement, as it is now: from here on, edits to the agreement
    (its dates, title, parties) no longer reach this version's words."""
    agreement = version.document.agreement
    version.fixed_values = {"context": context_for(agreement, version.terms or {}),
                            "agreement_title": agreement.title,
                            "parties": [p.organisation.name for p in agreement.parties]}


def sections(version) -> list[Section]:
    """Each clause of the version with its variables filled in; a clause that cannot render says why.
    A draft reads the agreement as it is now; a version past draft, the values fixed when it left draft."""
    if version.fixed_values:
        context = version.fixed_values["context"]
    else:
        context = context_for(version.document.agreement, version.terms or {})
    found = []
    for number, clause in enumerate(version.clauses, start=1):
        problems = variables.problems(clause.body)
        text = ""
        if not problems:
            try:
                text = variables.render(clause.body, context)
            except TemplateError as exc:  # pragma: no cover - problems() catches what render would
                problems = [str(exc)]
        found.append(Section(number, clause.title, text, problems))
    return found


def full_text(version) -> str:
    """The version's text as one string: what its SHA-256 is taken of."""
    head = f"{version.document.title}\n{version.label}\n"
    return head + "".join(f"\n{s.number}. {s.title}\n{s.text}\n" for s in sections(version))


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def diff(old: str, new: str) -> list[tuple[str, str]]:
    """An inline, word-level diff: [(op, words)], op one of "same", "added", "removed"."""
    a, b = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("same", "".join(a[i1:i2])))
        if tag in ("delete", "replace"):
            out.append(("removed", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            out.append(("added", "".join(b[j1:j2])))
    return out
