"""The audit certificate of a signed PDF: the version's history as sentences a person reads.

Each event says who did what ("edited clause 3, Term and renewal"), when (in the document's time zone, with
its abbreviation, and in UTC) and from where. It never prints a clause's wording (the text itself is in the
document, and its SHA-256 is on the certificate), a status code or a stored key: only names, titles, dates and
the words people typed (a signer's name, a reason to decline).
"""
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from tracker.audit import sentences
from tracker.audit import service as audit
from tracker.audit.labels import describe
from tracker.clauses.variables import TERM_LABELS
from tracker.documents import agreement_terms, locality
from tracker.documents.history import ENTITY
from tracker.documents.locality import Locality
from tracker.documents.models import APPROVALS, SIGNING_ORDERS, DocumentVersion
from tracker.extensions import db


@dataclass
class Line:
    local: str  # in the document's zone, with its abbreviation
    utc: str
    who: str
    what: str  # a sentence, without its subject
    where: str


def _value(changes: dict, key: str, index: int, required: bool):
    pair = changes.get(key)
    value = pair[index] if isinstance(pair, list) and len(pair) == 2 else None
    if value is None and required:
        raise ValueError(f"no {key}")  # the event then reads as its label
    return value


def _after(changes: dict, key: str, required: bool = True):
    return _value(changes, key, 1, required)


def _before(changes: dict, key: str, required: bool = True):
    return _value(changes, key, 0, required)


def _quoted(value) -> str:
    return f"“{value}”"


def _clause_edited(changes: dict, version, place: Locality) -> str:
    numbers = [int(m.group(1)) for key in changes if (m := re.fullmatch(r"clause (\d+) (title|text)", key))]
    if not numbers:
        return describe("document.clause_edited")
    number = numbers[0]
    title = (_after(changes, f"clause {number} title", False) or _after(changes, "clause", False)
             or next((c.title for c in version.clauses if c.position == number), ""))
    sentence = _("edited clause %(number)s, %(title)s", number=number, title=title) if title else \
        _("edited clause %(number)s", number=number)
    renamed = _before(changes, f"clause {number} title", False)
    if renamed:
        sentence += " " + _("(renamed from %(title)s)", title=_quoted(renamed))
    return sentence


def _settings(changes: dict, version, place: Locality) -> str:
    parts = []
    for field, values in changes.items():
        if not (isinstance(values, list) and len(values) == 2):
            continue
        if field == "signing order":
            parts.append(_("the signing order to %(order)s", order=str(SIGNING_ORDERS.get(values[1], "")).lower()))
        elif field == "approvals needed":
            kinds = [str(APPROVALS[k]) for k in (values[1] or "").split(",") if k in APPROVALS]
            parts.append(_("the approvals needed to %(names)s", names=", ".join(kinds) or _("none")))
        elif field in TERM_LABELS and values[0] in (None, ""):
            parts.append(_("the %(term)s to %(new)s", term=TERM_LABELS[field], new=_quoted(values[1] or "")))
        elif field in TERM_LABELS:
            parts.append(_("the %(term)s from %(old)s to %(new)s", term=TERM_LABELS[field],
                           old=_quoted(values[0]), new=_quoted(values[1] or "")))
        elif field in agreement_terms.TERMS:  # an amendment's change to the agreement's own terms
            term, (old, new) = agreement_terms.TERMS[field], values
            parts.append(_("the %(term)s from %(old)s to %(new)s", term=str(term.label).lower(),
                           old=_quoted(agreement_terms.words(field, old or "", place.language)),
                           new=_quoted(agreement_terms.words(field, new or "", place.language))))
    return _("changed %(what)s", what="; ".join(parts)) if parts else describe("document.settings_changed")


def _approved(changes: dict, version, place: Locality) -> str:
    day = _after(changes, "on", False)
    try:
        day = place.date(date.fromisoformat(day)) if day else ""
    except ValueError:
        day = ""
    sentence = _("recorded the approval “%(kind)s”, given by %(by)s", kind=_after(changes, "approval"),
                 by=_after(changes, "by"))
    if day:
        sentence += " " + _("on %(day)s", day=day)
    if _after(changes, "resolution", False):
        sentence += " " + _("(resolution %(number)s)", number=_after(changes, "resolution"))
    return sentence


def _returned(changes: dict, version, place: Locality) -> str:
    sentence = _("returned the version to draft")
    lapsed = _before(changes, "approvals lapsed", False)
    if lapsed:
        sentence += "; " + ngettext("%(num)s approval lapsed", "%(num)s approvals lapsed", lapsed)
    if _after(changes, "reason", False):
        sentence += "; " + _("reason: %(reason)s", reason=_after(changes, "reason"))
    return sentence


def _signatory_added(changes: dict, version, place: Locality) -> str:
    return _("added %(signatory)s as a signatory, signing %(how)s", signatory=_after(changes, "signatory"),
             how=_after(changes, "signs"))


SENTENCES = {
    "document.created": lambda c, v, p: ngettext("created the MOU draft with %(num)s clause",
                                                 "created the MOU draft with %(num)s clauses",
                                                 int(_after(c, "clauses"))),
    "document.clause_added": lambda c, v, p: _("added the clause %(title)s", title=_quoted(_after(c, "clause"))),
    "document.clause_edited": _clause_edited,
    "document.clause_moved": lambda c, v, p: _("moved the clause %(title)s from position %(old)s to %(new)s",
                                               title=_quoted(_after(c, "title")), old=_before(c, "clause"),
                                               new=_after(c, "clause")),
    "document.clause_removed": lambda c, v, p: _("removed the clause %(title)s", title=_quoted(_before(c, "clause"))),
    "document.settings_changed": _settings,
    "document.approved": _approved,
    "document.returned_to_draft": _returned,
    "document.signatory_added": _signatory_added,
    "document.signatory_removed": lambda c, v, p: _("removed %(name)s from the signatories", name=_before(c, "signatory")),
    "document.link_sent": lambda c, v, p: _("emailed a signing link to %(name)s at %(address)s",
                                            name=_after(c, "signatory"), address=_after(c, "to")),
    "document.link_opened": lambda c, v, p: _("opened the signing link of %(name)s", name=_after(c, "signatory")),
    "document.link_revoked": lambda c, v, p: _("revoked the signing link of %(name)s", name=_before(c, "signatory")),
    "document.reminder_sent": lambda c, v, p: _("reminded %(name)s to sign", name=_after(c, "signatory")),
    "document.signed": lambda c, v, p: _("signed as %(signatory)s, typing the name %(typed)s",
                                         signatory=_after(c, "signatory"), typed=_quoted(_after(c, "typed name"))),
    "document.declined": lambda c, v, p: _("declined to sign as %(name)s, saying: %(reason)s",
                                           name=_after(c, "signatory"), reason=_quoted(_after(c, "reason"))),
    "document.seal_waiting": lambda c, v, p: _("waited for the timestamping server, which %(reason)s",
                                                reason=_after(c, "timestamping server")),
    "document.amendment_started": lambda c, v, p: _("started this amendment of the %(label)s", label=_after(c, "amends")),
}


def sentence(action: str, changes: dict, version, place: Locality) -> str:
    """What happened, in words; an action without its own sentence reads as its label, without values."""
    build = SENTENCES.get(action)
    if build is None:
        return describe(action)
    try:
        return build(changes or {}, version, place)
    except (TypeError, ValueError, KeyError):  # an event recorded in an older shape reads as its label
        return describe(action)


def lines(version, place: Locality) -> list[Line]:
    events = reversed(audit.history(ENTITY, version.id, limit=10_000))
    return [Line(place.time(e.at), place.utc(e.at), e.actor_label, sentence(e.action, e.changes, version, place),
                 e.ip or "—") for e in events]


def _whole(event) -> str:
    """A version's row as the History lists and /audit read it: the certificate's sentence, in the version's zone.
    The page's versions are already in the session (sentences.Names reads them in one query)."""
    if event.entity_type != ENTITY or not str(event.entity_id).isdigit():
        return ""
    version = db.session.get(DocumentVersion, int(event.entity_id))
    if version is None:
        return ""
    return sentence(event.action, event.changes, version, locality.of(version))


sentences.add_sentences({action: _whole for action in SENTENCES})
