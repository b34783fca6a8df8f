"""The values an MOU's clauses may use (tracker/clauses/variables.py lists them), built from the agreement.

The parties are named by their role and shape: the library side is a library system or a single branch
("the Library"); the school side is one school ("the School"), several named schools ("the Schools") or a
whole district ("the District"). Dates stay dates (the clause language prints them in the document's
language); a value the agreement lacks is None or "", never a placeholder, so the checklist can name it.
"""
from sqlalchemy import select

from tracker.agreements.models import KINDS, MONTHS, RENEWALS, TERM_KINDS
from tracker.cards.models import GRADES, CardDrive
from tracker.clauses import variables
from tracker.documents import agreement_terms
from tracker.extensions import db
from tracker.orgs.models import BRANCH, DISTRICT, LIBRARY_SYSTEM, SCHOOL

LIBRARY_TERM = {"system": ("Library", "the Library"), "branch": ("Library", "the Library")}
SCHOOL_TERM = {"school": ("School", "the School"), "schools": ("Schools", "the Schools"),
               "district": ("District", "the District")}


def address(org) -> str:
    parts = [org.street, org.city, " ".join(p for p in (org.region, org.postal_code) if p)]
    return ", ".join(p for p in parts if p)


def _natural(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def library_side(orgs: list) -> dict:
    systems = [o for o in orgs if o.kind == LIBRARY_SYSTEM]
    branches = [o for o in orgs if o.kind == BRANCH]
    if systems:
        shape, org = "system", systems[0]
    elif branches:
        shape, org = "branch", branches[0]
    else:
        return {"name": "", "address": "", "term": "the Library", "defined": "Library", "shape": "", "system": ""}
    defined, term = LIBRARY_TERM[shape]
    system = org.parent.name if shape == "branch" and org.parent is not None else ""
    return {"name": org.name, "address": address(org), "term": term, "defined": defined, "shape": shape, "system": system}


def school_side(orgs: list) -> tuple[dict, list[dict]]:
    """The school side and the schools it covers (each {name, address})."""
    districts = [o for o in orgs if o.kind == DISTRICT]
    named = [o for o in orgs if o.kind == SCHOOL]
    if districts:
        shape, org = "district", districts[0]
        covered = named or [c for d in districts for c in d.children if c.kind == SCHOOL]
        name, where = _natural([d.name for d in districts]), address(org)
    elif len(named) == 1:
        shape, covered = "school", named
        name, where = named[0].name, address(named[0])
    elif named:
        shape, covered = "schools", named
        name, where = _natural([o.name for o in named]), ""
    else:
        return {"name": "", "address": "", "term": "", "defined": "", "shape": "", "count": 0}, []
    defined, term = SCHOOL_TERM[shape]
    schools = [{"name": o.name, "address": address(o)} for o in sorted(covered, key=lambda o: o.name)]
    return ({"name": name, "address": where, "term": term, "defined": defined, "shape": shape, "count": len(schools)},
            schools)


def _grade(code: str) -> str:
    return {"PK": "pre-K"}.get(code, code.lstrip("0") or code)


def grades_of(agreement_id: int) -> str:
    """The grades the agreement's card drives cover, as a lawyer writes them: "K–5", or "K, 2 and 4"."""
    found = set()
    for grades in db.session.scalars(select(CardDrive.grades).where(CardDrive.agreement_id == agreement_id)):
        found.update(g for g in (grades or []) if g in GRADES)
    ordered = [g for g in GRADES if g in found]
    if not ordered:
        return ""
    positions = [GRADES.index(g) for g in ordered]
    if len(ordered) > 1 and positions == list(range(positions[0], positions[-1] + 1)):
        return f"{_grade(ordered[0])}–{_grade(ordered[-1])}"
    return _natural([_grade(g) for g in ordered])


def context_for(agreement, terms: dict) -> dict:
    """The only values a clause can reach: plain words, numbers, dates and lists, from the agreement and the
    version's typed terms."""
    orgs = [p.organisation for p in agreement.parties]
    agreement = agreement_terms.as_amended(agreement, terms)  # an amendment's typed end date, renewal, notice ...
    library = library_side(orgs)
    school, schools = school_side(orgs)
    window = ""
    if agreement.modification_window_start and agreement.modification_window_end:
        window = f"{MONTHS[agreement.modification_window_start]}–{MONTHS[agreement.modification_window_end]}"
    typed = {name: str(terms.get(name, default) or "").strip() for name, default in variables.TERM_DEFAULTS.items()}
    return {
        "agreement": {
            "title": agreement.title,
            "kind": str(KINDS.get(agreement.kind, agreement.kind)),
            "purpose": agreement.purpose or "",
            "effective_date": agreement.effective_date,
            "end_date": agreement.end_date,
            "term": str(TERM_KINDS.get(agreement.term_kind, agreement.term_kind)).lower(),
            "term_kind": agreement.term_kind,
            "renewal": str(RENEWALS.get(agreement.renewal, agreement.renewal)).lower(),
            "renewal_kind": agreement.renewal,
            "renewal_months": agreement.renewal_months if agreement.renewal != "none" else None,
            "notice_days": agreement.notice_days,
            "modification_window": window,
            "window_months": [agreement.modification_window_start, agreement.modification_window_end],
        },
        "library": library,
        "school": school,
        "schools": schools,
        "parties": {"library": {"name": library["name"], "address": library["address"]},
                    "school": {"name": school["name"], "address": school["address"]},
                    "names": _natural([o.name for o in orgs])},
        "grades": typed["grades"] or grades_of(agreement.id),
        "terms": typed,
    }
