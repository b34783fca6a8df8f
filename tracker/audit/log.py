"""The audit log as admins read it: which rows a set of filters picks, and the chain's state.

Filters: who did it, what kind of action, which agreements (their own rows, their card drives' and their MOU
versions') or organisations, named by words of their title or name, and between which dates (days in the reader's
time zone). The page and its CSV export ask `search` with the same filters, so the file holds exactly the rows the
page lists, in the same order.
"""
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, cast, or_, select
from sqlalchemy import String as SqlString

from tracker.agreements.models import Agreement
from tracker.audit import checkpoints, keys
from tracker.audit import service as audit
from tracker.audit.models import AuditEvent
from tracker.cards.models import CardDrive
from tracker.documents.models import Document, DocumentVersion
from tracker.orgs.models import Organisation

# A kind of action -> its label and the prefixes of the actions it gathers.
KINDS = {
    "agreements": (_l("Agreements and their parties"), ("agreement.",)),
    "documents": (_l("MOU documents, approvals and signatures"), ("document.",)),
    "cards": (_l("Card programmes, drives, rosters and patron files"),
              ("card_programme.", "data_sharing_spec.", "drive.", "student.", "roster.", "patrons.", "privacy.")),
    "partnership": (_l("Resources, milestones, meetings and surveys"), ("resource.", "milestone.", "communication.", "survey.")),
    "organisations": (_l("Organisations and contacts"), ("organisation.", "contact.")),
    "accounts": (_l("Accounts and invitations"), ("user.",)),
    "sign_in": (_l("Sign-in, passwords and sessions"), ("auth.",)),
    "calendar": (_l("Calendar feeds and reminders"), ("calendar.", "reminders.")),
    "clauses": (_l("The clause library"), ("clause.",)),
    "chain": (_l("The audit chain itself"), ("audit.",)),
}


@dataclass(frozen=True)
class Filters:
    actor_id: int | None = None
    kind: str = ""
    agreement: str = ""  # words of the title of the agreements it concerns
    organisation: str = ""  # words of the name of the organisations it concerns
    since: date | None = None
    until: date | None = None
    time_zone: str = "UTC"


def _start_of(day: date, zone: str) -> datetime:
    """The UTC moment a day begins in the reader's time zone (rows are stored in naive UTC)."""
    local = datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def search(filters: Filters) -> Select:
    """The rows the filters pick, newest first."""
    query = select(AuditEvent)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.kind in KINDS:
        query = query.where(or_(*(AuditEvent.action.startswith(p, autoescape=True) for p in KINDS[filters.kind][1])))
    if filters.agreement:
        query = query.where(_concerning_agreements(_naming(Agreement.title, filters.agreement)))
    if filters.organisation:
        named = select(cast(Organisation.id, SqlString)).where(_naming(Organisation.name, filters.organisation))
        query = query.where(AuditEvent.entity_type == "organisation", AuditEvent.entity_id.in_(named))
    if filters.since is not None:
        query = query.where(AuditEvent.at >= _start_of(filters.since, filters.time_zone))
    if filters.until is not None:
        query = query.where(AuditEvent.at < _start_of(filters.until + timedelta(days=1), filters.time_zone))
    return query.order_by(AuditEvent.id.desc())


def _naming(column, typed: str):
    """The names that hold every word typed, in any order and case ("mou hill" finds "Hill Card MOU"); `%` and `_`
    are themselves."""
    return and_(*(column.icontains(word, autoescape=True) for word in typed.split()))


def _concerning_agreements(which):
    """The rows of the agreements `which` picks (a condition on Agreement), and those of their card drives and MOU
    versions."""
    own = select(cast(Agreement.id, SqlString)).where(which)
    drives = select(cast(CardDrive.id, SqlString)).join(Agreement, Agreement.id == CardDrive.agreement_id).where(which)
    versions = (select(cast(DocumentVersion.id, SqlString)).join(Document, Document.id == DocumentVersion.document_id)
                .join(Agreement, Agreement.id == Document.agreement_id).where(which))
    return or_(
        and_(AuditEvent.entity_type == "agreement", AuditEvent.entity_id.in_(own)),
        and_(AuditEvent.entity_type == "card_drive", AuditEvent.entity_id.in_(drives)),
        and_(AuditEvent.entity_type == "document_version", AuditEvent.entity_id.in_(versions)),
    )


@dataclass(frozen=True)
class ChainState:
    """What `flask --app wsgi audit verify` would say, in a sentence."""

    ok: bool
    message: str
    checked_at: datetime
    full: checkpoints.FullVerification | None = None  # what the command last found for the whole chain


def chain_state() -> ChainState:
    """The state of the chain, `full` added to what `_checked` finds."""
    return replace(_checked(), full=checkpoints.last_full_verification())


def _checked() -> ChainState:
    """Verify the chain from its newest checkpoint on (a bounded amount of work, however long the log), against
    the key and that checkpoint; `flask --app wsgi audit verify` checks the whole chain."""
    when = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    try:
        result = audit.verify_since_checkpoint()
    except checkpoints.CheckpointsInvalid as bad:
        return ChainState(False, _("The checkpoint file is not valid (line %(line)s: %(reason)s); the chain was not "
                                   "checked against it.", line=bad.line, reason=bad.reason), when)
    except keys.KeyUnusable as bad:
        return ChainState(False, _("The chain cannot be verified: %(reason)s", reason=str(bad)), when)
    if result.missing_key:
        return ChainState(False, _("The chain cannot be verified from event %(row)s: the audit key that wrote it is "
                                   "missing (%(count)s events verified before it).", row=result.bad_id,
                                   count=result.count), when)
    if not result.ok:
        return ChainState(False, _("The chain is broken at event %(row)s: %(reason)s (%(count)s events verified "
                                   "before it).", row=result.bad_id or _("the end"), reason=result.reason,
                                   count=result.count), when)
    if result.start:
        message = ngettext("The chain is intact from the latest checkpoint on: %(num)s newer event verified.",
                           "The chain is intact from the latest checkpoint on: %(num)s newer events verified.",
                           result.count - result.start)
    else:
        message = _("The chain is intact: %(count)s events verified.", count=result.count)
    if result.checkpoint:
        message += " " + _("The latest checkpoint counted %(count)s events.", count=result.checkpoint.count)
        if result.not_checkpointed:
            message += " " + _("%(count)s newer events are not yet checkpointed.", count=result.not_checkpointed)
    else:
        message += " " + _("No checkpoint has been written yet.")
    return ChainState(True, message, when)
