"""What a clause may name: the values an MOU gives its clauses (tracker/documents/text.py builds them).

The language itself (what may stand between {{ }} and {% %}) is tracker/clauses/language.py; this is the
clause vocabulary: every value with what it means, shown to clause authors, and the terms typed per version.
"""
from flask_babel import lazy_gettext as _l

from tracker.clauses import language

# Every value a clause may print or test, with what it means (shown to clause authors).
VARIABLES = {
    "agreement.title": _l("the agreement's title"),
    "agreement.kind": _l("its kind (memorandum of understanding, ...)"),
    "agreement.purpose": _l("its purpose"),
    "agreement.effective_date": _l("effective date (a date: printed in full, or | date(\"short\"))"),
    "agreement.end_date": _l("end date (empty for an ongoing agreement: test it with {% if %})"),
    "agreement.term": _l("pilot, fixed term or ongoing, in words"),
    "agreement.term_kind": _l("the same as a code to test: \"pilot\", \"fixed\" or \"ongoing\""),
    "agreement.renewal": _l("how it renews, in words"),
    "agreement.renewal_kind": _l("the same as a code to test: \"none\", \"automatic\" or \"mutual\""),
    "agreement.renewal_months": _l("renewal length in months (empty without renewal)"),
    "agreement.notice_days": _l("termination notice in days"),
    "agreement.modification_window": _l("yearly modification window, e.g. February–May (empty when there is none)"),
    "library.name": _l("the library party: a library system or a single branch"),
    "library.address": _l("its address"),
    "library.term": _l("its defined term in a sentence: the Library"),
    "library.defined": _l("its defined term as written in the recital: Library"),
    "library.shape": _l("\"system\" or \"branch\", to test"),
    "library.system": _l("for a branch, the library system it belongs to (empty otherwise)"),
    "school.name": _l("the school side: one school, the named schools, or the district"),
    "school.address": _l("its address (a district's or the one school's; empty for several schools)"),
    "school.term": _l("its defined term in a sentence: the School, the Schools or the District"),
    "school.defined": _l("its defined term as written in the recital: School, Schools or District"),
    "school.shape": _l("\"school\", \"schools\" or \"district\", to test"),
    "school.count": _l("how many schools the agreement covers"),
    "schools": _l("the schools covered: a list (repeat with {% for s in schools %}, using s.name and s.address)"),
    "document.clauses": _l("the kinds of clause this document has, to test before referring to one: "
                           "{% if \"retention\" in document.clauses %}"),
    "parties.names": _l("every party, by name"),
    "parties.library.name": _l("the library party (older name for library.name)"),
    "parties.library.address": _l("its address (older name for library.address)"),
    "parties.school.name": _l("the school side (older name for school.name)"),
    "parties.school.address": _l("its address (older name for school.address)"),
    "grades": _l("grades covered: typed in the document's terms, or those of the agreement's card drives"),
    "terms.programme_name": _l("the programme's name"),
    "terms.grades": _l("grades as typed in the document's terms (empty: the drives' grades apply)"),
    "terms.card_model": _l("account type (full, starter, digital)"),
    "terms.checkout_limit": _l("items a student may borrow at once"),
    "terms.hold_limit": _l("holds a student may place"),
    "terms.fines": _l("fines policy"),
    "terms.expiry_rule": _l("when student accounts expire"),
    "terms.consent_model": _l("how families consent or opt out"),
    "terms.opt_out_days": _l("days for an opt-out to reach the library"),
    "terms.shared_fields": _l("student fields shared"),
    "terms.legal_basis": _l("legal basis for sharing"),
    "terms.subprocessors": _l("subprocessors (the ILS vendor ...)"),
    "terms.breach_contact": _l("who is told of a breach"),
    "terms.transfer_method": _l("how data moves"),
    "terms.transfer_frequency": _l("how often data moves"),
    "terms.retention_days": _l("days data is kept after the term"),
    "terms.delivery_days": _l("days to deliver materials to a school"),
    "terms.rule_notice_days": _l("notice days before new library rules apply"),
    "terms.costs": _l("who pays for what"),
    "terms.report_month": _l("month of the yearly report"),
}
LISTS = {"schools": ("name", "address"), "document.clauses": ()}
VOCABULARY = language.Vocabulary(frozenset(VARIABLES) - set(LISTS), LISTS)

# The document terms an author fills in per version, with their defaults ("" : taken from the agreement).
TERM_DEFAULTS = {
    "programme_name": "Student Library Card Program",
    "grades": "",
    "card_model": "full student account",
    "checkout_limit": "10",
    "hold_limit": "5",
    "fines": "fines-free",
    "expiry_rule": "15 September of the year after issue",
    "consent_model": "opt-out at school registration",
    "opt_out_days": "10",
    "shared_fields": "name, student id, grade, school, date of birth",
    "legal_basis": "the library acts as a school official under FERPA",
    "subprocessors": "the library's ILS vendor",
    "breach_contact": "the data contact each party names in writing",
    "transfer_method": "an encrypted SFTP file",
    "transfer_frequency": "once a year before the card drive",
    "retention_days": "30",
    "delivery_days": "2",
    "rule_notice_days": "30",
    "costs": "each party bears its own costs",
    "report_month": "June",
}
# Terms that are counts: typed as whole numbers, so an amendment's change can be carried into the agreement.
NUMBER_TERMS = frozenset({"checkout_limit", "hold_limit", "opt_out_days", "retention_days", "delivery_days",
                          "rule_notice_days"})
TERM_LABELS = {name: VARIABLES[f"terms.{name}"] for name in TERM_DEFAULTS}
TERM_LABELS["grades"] = _l("grades covered (blank: the grades of the agreement's card drives)")


def reading(body: str) -> language.Reading:
    return language.check(body, VOCABULARY)


def problems(body: str) -> list[str]:
    """What is wrong with a clause, one message per problem; [] when it may be saved."""
    return reading(body).problems


def render(body: str, context: dict, language_code: str = "en") -> str:
    """The clause's text with its values filled in (call `problems` first for a message)."""
    return language.render(body, context, language_code)


def sample_context() -> dict:
    """Values shaped like the real ones, for checking a clause before any agreement uses it."""
    tree: dict = {}
    for name in VARIABLES:
        parts = name.split(".")
        branch = tree
        for part in parts[:-1]:
            branch = branch.setdefault(part, {})
        branch[parts[-1]] = f"[{name}]"
    for name, fields in LISTS.items():
        *path, last = name.split(".")
        branch = tree
        for part in path:
            branch = branch.setdefault(part, {})
        branch[last] = [{f: f"[{name}.{f}]" for f in fields}] if fields else [f"[{name}]"]
    return tree
