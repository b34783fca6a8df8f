"""The agreement's own terms as an amendment types them: its end date, renewal and renewal length, notice and
yearly modification window.

An original MOU reads these from the agreement. An amendment carries its own typed copy in its terms (started
from the agreement as it stands when the amendment is made); its clauses print the amended values, its signer
sees them against the version amended, and its last signature writes the changed ones into the agreement
(tracker/documents/amendments.py). Stored as text in the version's terms ("" for none); typed here.
"""
import re
from dataclasses import dataclass
from datetime import date

import flask_babel
from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.agreements.models import MONTHS, RENEWALS


@dataclass(frozen=True)
class Term:
    label: object  # lazy
    field: str  # the agreement's column
    kind: str  # "date", "number", "renewal", "month"


TERMS = {
    "end_date": Term(_l("End date"), "end_date", "date"),
    "renewal": Term(_l("Renewal"), "renewal", "renewal"),
    "renewal_months": Term(_l("Renewal length in months"), "renewal_months", "number"),
    "notice_days": Term(_l("Termination notice in days"), "notice_days", "number"),
    "window_start": Term(_l("Modification window: first month"), "modification_window_start", "month"),
    "window_end": Term(_l("Modification window: last month"), "modification_window_end", "month"),
}
LIMITS = {"renewal_months": (1, 120), "notice_days": (0, 3650)}


def whole(text: str) -> int | None:
    """A whole number typed in ASCII digits ("²" and "١٢" are not), or None."""
    return int(text) if re.fullmatch(r"[0-9]{1,6}", text or "") else None


def _text(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def of_agreement(agreement) -> dict[str, str]:
    """The agreement's terms as it stands, as an amendment starts them."""
    return {key: _text(getattr(agreement, term.field)) for key, term in TERMS.items()}


def of_context(agreement_values: dict) -> dict[str, str]:
    """The same terms as a version's fixed values state them (what a signed version said)."""
    months = agreement_values.get("window_months") or [None, None]
    found = {"end_date": agreement_values.get("end_date"), "renewal": agreement_values.get("renewal_kind"),
             "renewal_months": agreement_values.get("renewal_months"), "notice_days": agreement_values.get("notice_days"),
             "window_start": months[0], "window_end": months[1]}
    return {key: _text(value) for key, value in found.items()}


def typed(terms: dict) -> dict:
    """{agreement field: value} of the terms an amendment types (none for an original)."""
    found = {}
    for key, term in TERMS.items():
        if key not in terms:
            continue
        raw = str(terms.get(key) or "").strip()
        if term.kind == "date":
            found[term.field] = date.fromisoformat(raw) if raw else None
        elif term.kind in ("number", "month"):
            found[term.field] = whole(raw)
        else:
            found[term.field] = raw or "none"
    if found.get("renewal") == "none":
        found["renewal_months"] = None
    return found


def as_amended(agreement, terms: dict):
    """The agreement with the amendment's typed terms in place of its own (a read-only view for the clauses)."""
    changed = typed(terms or {})
    if not changed:
        return agreement

    class Amended:
        def __getattr__(self, name):
            return changed[name] if name in changed else getattr(agreement, name)

    return Amended()


def clean(terms: dict, effective_date: date | None) -> tuple[dict[str, str], dict[str, str]]:
    """(the terms as stored, errors by form field) for what an amendment's author typed."""
    values = {key: str(terms.get(key) or "").strip() for key in TERMS}
    errors = {}
    if values["end_date"]:
        try:
            end = date.fromisoformat(values["end_date"])
        except ValueError:
            errors["term_end_date"] = _("A date, such as 2028-06-30.")
        else:
            if effective_date and end <= effective_date:
                errors["term_end_date"] = _("The end date must come after the effective date (%(date)s).",
                                            date=flask_babel.format_date(effective_date, "long"))
    if values["renewal"] not in RENEWALS:
        errors["term_renewal"] = _("Choose how the agreement renews.")
    for key, (low, high) in LIMITS.items():
        if values[key] and not (whole(values[key]) is not None and low <= whole(values[key]) <= high):
            errors[f"term_{key}"] = _("A whole number from %(low)s to %(high)s.", low=low, high=high)
    if values["renewal"] in ("automatic",) and not values["renewal_months"]:
        errors.setdefault("term_renewal_months", _("An automatic renewal needs its length in months."))
    if values["renewal"] == "none":
        values["renewal_months"] = ""
    for key in ("window_start", "window_end"):
        if values[key] and whole(values[key]) not in MONTHS:
            errors[f"term_{key}"] = _("Choose a month.")
    if bool(values["window_start"]) != bool(values["window_end"]):
        errors.setdefault("term_window_end" if values["window_start"] else "term_window_start",
                          _("Give both months of the modification window, or neither."))
    return values, errors


def words(key: str, value: str, language_code: str = "en") -> str:
    """How a term's value reads to a signer."""
    term = TERMS[key]
    if not value:
        return _("none")
    if term.kind == "date":
        return format_date(date.fromisoformat(value), "long", locale=language_code)
    if term.kind == "renewal":
        return str(RENEWALS.get(value, value))
    if term.kind == "month":
        return str(MONTHS.get(whole(value), value))
    return value
