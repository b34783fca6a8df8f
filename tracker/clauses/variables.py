"""What a clause may say between {{ }}: a fixed tree of values, rendered in Jinja's sandbox.

A clause reaches only the values `context_for` builds (strings and numbers, no objects), an
unknown name is reported by name when the clause is saved, and rendering never leaves a gap:
StrictUndefined turns a missing value into an error rather than an empty string.
"""
from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# Every variable a clause may use, with what it means (shown to clause authors).
VARIABLES = {
    "agreement.title": _l("the agreement's title"),
    "agreement.kind": _l("its kind (memorandum of understanding, ...)"),
    "agreement.purpose": _l("its purpose"),
    "agreement.effective_date": _l("effective date, e.g. 1 August 2026"),
    "agreement.end_date": _l("end date"),
    "agreement.term": _l("pilot, fixed term or ongoing"),
    "agreement.renewal": _l("how it renews"),
    "agreement.renewal_months": _l("renewal length in months"),
    "agreement.notice_days": _l("termination notice in days"),
    "agreement.modification_window": _l("yearly modification window, e.g. February–May"),
    "parties.library.name": _l("the public library party"),
    "parties.library.address": _l("its address"),
    "parties.school.name": _l("the school or district party"),
    "parties.school.address": _l("its address"),
    "parties.names": _l("every party, by name"),
    "schools": _l("the schools the agreement covers"),
    "terms.programme_name": _l("the programme's name"),
    "terms.grades": _l("grades covered"),
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
# The document terms an author fills in per version, with their defaults.
TERM_DEFAULTS = {
    "programme_name": "Student Library Card Program",
    "grades": "K–12",
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
    "breach_contact": "the district's data protection officer",
    "transfer_method": "an encrypted SFTP file",
    "transfer_frequency": "once a year before the card drive",
    "retention_days": "30",
    "delivery_days": "2",
    "rule_notice_days": "30",
    "costs": "each party bears its own costs",
    "report_month": "June",
}
TERM_LABELS = {name: VARIABLES[f"terms.{name}"] for name in TERM_DEFAULTS}

_env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def _dotted(node) -> str | None:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        base = _dotted(node.node)
        return f"{base}.{node.attr}" if base else None
    return None


def problems(body: str) -> list[str]:
    """What is wrong with a clause's variables, one message per problem; [] when it renders."""
    try:
        tree = _env.parse(body)
    except TemplateSyntaxError as exc:
        return [_("The clause's {{ }} markup is broken on line %(line)s: %(message)s", line=exc.lineno, message=exc.message)]
    found = []
    for output in tree.find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                continue
            name = _dotted(node)
            if name is None:
                found.append(_("Only plain variables may stand between {{ and }}, such as {{ agreement.end_date }}."))
            elif name not in VARIABLES:
                found.append(_("Unknown variable: {{ %(name)s }}.", name=name))
    if any(True for _node in tree.find_all((nodes.If, nodes.For, nodes.Macro, nodes.Call, nodes.Filter, nodes.Assign))):
        found.append(_("Only plain variables may stand between {{ and }}, such as {{ agreement.end_date }}."))
    return list(dict.fromkeys(found))


def render(body: str, context: dict) -> str:
    """The clause's text with its variables filled in (call `problems` first for a message)."""
    return _env.from_string(body).render(context)


def sample_context() -> dict:
    """Values shaped like the real ones, for checking a clause before any agreement uses it."""
    tree: dict = {}
    for name in VARIABLES:
        parts = name.split(".")
        branch = tree
        for part in parts[:-1]:
            branch = branch.setdefault(part, {})
        branch[parts[-1]] = f"[{name}]"
    return tree
