"""Rules for MOU documents and their versions: assembling a draft, its review, amendments.

Changes of wording happen only in a draft; every change is audited against the version (history.py),
whose history becomes the audit certificate of the signed PDF. Statuses move by workflow.VERSION.
"""
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, selectinload

from tracker.agreements.models import Agreement
from tracker.audit import service as audit
from tracker.clauses import service as clauses
from tracker.clauses import variables
from tracker.clauses.models import Clause
from tracker.documents import agreement_terms, checklist, locality, signing, text
from tracker.documents.history import ENTITY, record  # noqa: F401  (ENTITY: the views read the history by it)
from tracker.documents.models import APPROVALS, SIGNING_ORDERS, Document, DocumentVersion, Signatory, VersionClause
from tracker.documents.workflow import DECLINED, DRAFT, FROZEN, NOT_EDITABLE, SIGNING, VERSION
from tracker.extensions import db
from tracker.validation import Invalid


SENT = frozenset({SIGNING, DECLINED})  # a return to draft from these takes the agreement back (the original's)


def new_public_id() -> str:
    return "MOU-" + secrets.token_hex(5).upper()


# ---- reading ---------------------------------------------------------------------------------

def documents_of(agreement_id: int) -> list[Document]:
    return list(db.session.execute(
        select(Document).where(Document.agreement_id == agreement_id).order_by(Document.id)
        .options(selectinload(Document.versions))
    ).scalars())


# A version with its document, if it is one of the agreement's: every page of a version runs it (built once).
VERSION_IN = (select(DocumentVersion).join(DocumentVersion.document).options(contains_eager(DocumentVersion.document))
              .where(DocumentVersion.id == bindparam("version_id"), Document.agreement_id == bindparam("agreement_id")))


def version_in(agreement_id: int, version_id: int) -> DocumentVersion | None:
    """The version, with its document, if it is a version of one of the agreement's documents."""
    return db.session.execute(VERSION_IN, {"agreement_id": agreement_id, "version_id": version_id}).scalar()


@dataclass(frozen=True)
class SealedFile:
    """A sealed version's PDF as it is downloaded: its stored name, its SHA-256 (the ETag) and its bytes."""

    name: str
    sha256: str
    data: bytes


# Every download of a sealed PDF runs it (built once): no objects, one query. The bytes come with the rest: a query of
# their own would cost every download more than reading them costs the rare browser that revalidates its copy.
SEALED_FILE = (select(DocumentVersion.pdf_name, DocumentVersion.pdf_sha256, DocumentVersion.pdf)
               .join(Document, Document.id == DocumentVersion.document_id)
               .where(DocumentVersion.id == bindparam("version_id"), Document.agreement_id == bindparam("agreement_id"),
                      DocumentVersion.pdf_sha256.is_not(None)))


def sealed_file(agreement_id: int, version_id: int) -> SealedFile | None:
    """The sealed PDF of a version of one of the agreement's documents; None if there is no such version or it is
    not sealed."""
    row = db.session.connection().execute(SEALED_FILE, {"agreement_id": agreement_id, "version_id": version_id}).first()
    return None if row is None else SealedFile(*row)


def latest(document: Document) -> DocumentVersion:
    return document.versions[-1]


# ---- assembling a draft ----------------------------------------------------------------------

def _check_editable(version: DocumentVersion) -> None:
    if version.frozen:
        raise Invalid({"": str(FROZEN)})
    if not version.editable:
        raise Invalid({"": str(NOT_EDITABLE) % {"status": version.status_label.lower()}})


def _copy(clause: Clause, position: int) -> VersionClause:
    return VersionClause(clause_id=clause.id, position=position, category=clause.category, title=clause.title,
                         body=clause.body)


def create_document(actor: audit.Actor, agreement: Agreement, title: str | None = None,
                    clause_ids: list[int] | None = None) -> Document:
    """A new MOU for the agreement: an original draft with the standard clauses for its kind."""
    title = (title or "").strip() or agreement.title
    if clause_ids is None:
        chosen = clauses.defaults_for(agreement.kind)
    else:
        found = {c.id: c for c in clauses.library()}
        chosen = [found[i] for i in clause_ids if i in found]
    document = Document(agreement_id=agreement.id, title=title[:200], approvals_needed="internal,form")
    version = DocumentVersion(number=0, status=DRAFT, signing_order="parallel", terms=dict(variables.TERM_DEFAULTS),
                              public_id=new_public_id())
    version.clauses = [_copy(c, i) for i, c in enumerate(chosen, start=1)]
    document.versions = [version]
    db.session.add(document)
    db.session.flush()
    record(actor, "document.created", version, {"title": [None, document.title], "clauses": [None, len(chosen)]})
    audit.record(actor, "agreement.document_created", "agreement", agreement.id, {"document": [None, document.title]})
    db.session.commit()
    return document


def add_clause(actor: audit.Actor, version: DocumentVersion, clause_id: int | None) -> VersionClause:
    _check_editable(version)
    clause = db.session.get(Clause, clause_id) if clause_id else None
    if clause is None:
        raise Invalid({"clause_id": _("Choose a clause from the library.")})
    item = _copy(clause, max((c.position for c in version.clauses), default=0) + 1)
    version.clauses.append(item)
    db.session.flush()
    record(actor, "document.clause_added", version, {"clause": [None, clause.title]})
    db.session.commit()
    return item


def _item(version: DocumentVersion, item_id: int) -> VersionClause:
    item = next((c for c in version.clauses if c.id == item_id), None)
    if item is None:
        raise Invalid({"": _("That clause is not in this version.")})
    return item


def edit_clause(actor: audit.Actor, version: DocumentVersion, item_id: int, title: str, body: str) -> None:
    _check_editable(version)
    item = _item(version, item_id)
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("A clause needs a title.")
    elif len(title.strip()) > 200:
        errors["title"] = _("At most %(n)s characters.", n=200)
    if not (body or "").strip():
        errors["body"] = _("A clause needs its text.")
    elif variables.problems(body):
        errors["body"] = variables.problems(body)
    if errors:
        raise Invalid(errors)
    audit.populate_and_record(actor, item, {"title": title.strip(), "body": body}, "document.clause_edited", ENTITY,
                              version.id, shown={"body": audit.Shown("text", lambda clause: clause.body)},
                              prefix=f"clause {item.position} ")
    db.session.commit()


def move_clause(actor: audit.Actor, version: DocumentVersion, item_id: int, direction: str) -> None:
    _check_editable(version)
    items = list(version.clauses)
    item = _item(version, item_id)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        raise Invalid({"": _("That clause cannot move further.")})
    items[index], items[other] = items[other], items[index]
    for position, clause in enumerate(items, start=1):
        clause.position = position
    record(actor, "document.clause_moved", version, {"clause": [index + 1, other + 1], "title": [item.title, item.title]})
    db.session.commit()
    db.session.expire(version, ["clauses"])


def remove_clause(actor: audit.Actor, version: DocumentVersion, item_id: int) -> None:
    _check_editable(version)
    item = _item(version, item_id)
    version.clauses.remove(item)
    for position, clause in enumerate(version.clauses, start=1):
        clause.position = position
    record(actor, "document.clause_removed", version, {"clause": [item.title, None]})
    db.session.commit()


def update_settings(actor: audit.Actor, version: DocumentVersion, needed: list[str], signing_order: str,
                    terms: dict, may_set_approvals: bool = False) -> None:
    """Which approvals the document needs, the signing order and the terms the clauses quote.
    Only those who may record approvals (`may_set_approvals`) may change which approvals are needed:
    otherwise an editor could untick them all and send an unapproved text for signature."""
    _check_editable(version)
    if any(k not in APPROVALS for k in needed):
        raise Invalid({"approvals_needed": _("Unknown approval.")})
    if not may_set_approvals and set(needed) != set(version.document.needed):
        raise Invalid({"approvals_needed": _("Only administrators can change which approvals this document needs.")})
    if signing_order not in SIGNING_ORDERS:
        raise Invalid({"signing_order": _("Choose how the signatories sign.")})
    clean = {k: (str(terms.get(k) or "").strip() or v) for k, v in variables.TERM_DEFAULTS.items()}
    errors = {f"term_{k}": _("A whole number, such as %(example)s.", example=variables.TERM_DEFAULTS[k])
              for k in variables.NUMBER_TERMS if agreement_terms.whole(clean[k]) is None}
    if version.parent is not None:  # an amendment types the agreement's own terms too
        amended, wrong = agreement_terms.clean(terms, version.document.agreement.effective_date)
        clean.update(amended)
        errors.update(wrong)
    if errors:
        raise Invalid(errors)
    document = version.document
    settings = {"approvals needed": document.approvals_needed, "signing order": version.signing_order, **(version.terms or {})}
    audit.populate_and_record(actor, settings, {"approvals needed": ",".join(k for k in APPROVALS if k in needed),
                                                "signing order": signing_order, **clean},
                              "document.settings_changed", ENTITY, version.id)
    document.approvals_needed, version.signing_order, version.terms = settings["approvals needed"], signing_order, clean
    db.session.commit()


# ---- review and amendments -------------------------------------------------------------------

def submit_for_approval(actor: audit.Actor, version: DocumentVersion) -> None:
    """draft -> awaiting approval: the text is fixed for the approvers (return to draft to change it)."""
    _check_editable(version)
    if not version.clauses:
        raise Invalid({"": _("Add at least one clause first.")})
    blocking = checklist.blocking(version)
    if blocking:
        raise Invalid({"": [_("Put these right before submitting:")] + [item.text for item in blocking]})
    text.fix_values(version)
    locality.fix(version)
    step = VERSION.move(version, "submit")
    record(actor, "document.submitted", version, {"status": [step.source, step.target]})
    db.session.commit()


def return_to_draft(actor: audit.Actor, version: DocumentVersion, reason: str = "") -> None:
    """Back to draft from approval, signing or a decline: approvals and signatures given so far lapse."""
    if version.frozen:
        raise Invalid({"": str(FROZEN)})
    step = VERSION.move(version, "return")
    lapsed = len(version.approvals)
    version.approvals.clear()
    for signatory in version.signatories:
        signing.reset(signatory)
    version.fixed_values = None  # the draft reads the agreement as it is again
    locality.release(version)
    record(actor, "document.returned_to_draft", version,
           {"status": [step.source, step.target], "approvals lapsed": [lapsed, 0], **({"reason": [None, reason]} if reason else {})})
    if step.source in SENT:
        signing.agreement_follows(actor, version, "document_returned")
    db.session.commit()


def amend(actor: audit.Actor, version: DocumentVersion) -> DocumentVersion:
    """A new draft amending a signed version: its clauses, terms and signatories copied, unsigned."""
    document = version.document
    if latest(document).id != version.id:
        raise Invalid({"": _("Only the latest version can be amended.")})
    if not version.frozen:
        raise Invalid({"": _("Only a signed version can be amended; this one is %(status)s.", status=version.status_label.lower())})
    amendment = DocumentVersion(document_id=document.id, number=version.number + 1, parent_id=version.id, status=DRAFT,
                                signing_order=version.signing_order,
                                terms={**(version.terms or {}), **agreement_terms.of_agreement(document.agreement)},
                                public_id=new_public_id())
    db.session.add(amendment)
    amendment.clauses = [VersionClause(clause_id=c.clause_id, position=c.position, category=c.category, title=c.title,
                                       body=c.body) for c in version.clauses]
    amendment.signatories = [Signatory(position=s.position, name=s.name, title=s.title, organisation=s.organisation,
                                       email=s.email, capacity=s.capacity, user_id=s.user_id) for s in version.signatories]
    db.session.flush()
    db.session.expire(document, ["versions"])
    record(actor, "document.amendment_started", amendment, {"amends": [None, version.label]})
    db.session.commit()
    return amendment
