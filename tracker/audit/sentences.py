"""Audit rows as people read them: a sentence with names, never ids, codes or Python values.

"Dana Director changed the agreement “Student Library Card Partnership MOU”", then what changed, each as
"status: Draft → In review". The audit page (/audit), its CSV export and the History sections read rows through
`lines(events)`, which looks the names up in a few queries for a whole page of rows. The log holds no student
names: a student reads as "a student of Lincoln Elementary School".
"""
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from tracker import formats
from tracker.agreements import models as agreement_models
from tracker.agreements.models import Agreement
from tracker.agreements.workflow import STATUSES as AGREEMENT_STATUSES
from tracker.audit.labels import FIELD_LABELS, HIDDEN_FIELDS, actor_name, describe
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.auth.permissions import ROLES
from tracker.cards import models as card_models
from tracker.cards.models import CardDrive, Student
from tracker.cards.workflow import DRIVE_STATUSES
from tracker.clauses import models as clause_models
from tracker.clauses.models import Clause
from tracker.documents import models as document_models
from tracker.documents.models import DocumentVersion
from tracker.documents.workflow import SIGNATORY_STATUSES, VERSION_STATUSES
from tracker.extensions import db
from tracker.families import choices as family_choices
from tracker.families import letters as family_letters
from tracker.outcomes import models as outcome_models
from tracker.milestones import models as milestone_models
from tracker.orgs import models as org_models
from tracker.orgs.models import Organisation
from tracker.resources import models as resource_models


@dataclass(frozen=True)
class Change:
    label: str  # the field, in words
    before: str  # "" when there was nothing
    after: str

    def __str__(self) -> str:
        if not self.before:
            return f"{self.label}: {self.after or '—'}"
        return f"{self.label}: {self.before} → {self.after or '—'}"


@dataclass(frozen=True)
class Line:
    """One audit row, as read."""

    event: AuditEvent
    who: str
    did: str  # what they did, e.g. "changed the agreement"
    subject: str  # what it concerned, e.g. "the agreement “Lakeside MOU”" ("" when the sentence says it all)
    changes: list[Change] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        """The whole row as one sentence (the CSV's "What")."""
        text = f"{self.who} {self.did}"
        if self.subject:
            text += f" — {self.subject}"
        return text

    @property
    def details(self) -> str:
        return "; ".join(str(c) for c in self.changes)


# ---- values ------------------------------------------------------------------------------------

# (entity type or None for any, field) -> the labels of its stored codes
MONTHS_AS_TEXT = {str(n): month for n, month in agreement_models.MONTHS.items()}  # a document keeps its terms as text
VOCABULARIES: dict[tuple[str | None, str], dict] = {
    ("agreement", "status"): AGREEMENT_STATUSES,
    ("document_version", "status"): VERSION_STATUSES,
    ("card_drive", "status"): DRIVE_STATUSES,
    (None, "kind"): agreement_models.KINDS,
    (None, "term_kind"): agreement_models.TERM_KINDS,
    (None, "renewal"): agreement_models.RENEWALS,
    (None, "collaboration_level"): agreement_models.COLLABORATION_LEVELS,
    (None, "role"): ROLES,
    (None, "card_status"): card_models.CARD_STATUSES,
    (None, "card_model"): card_models.CARD_MODELS,
    (None, "card_form"): card_models.CARD_FORMS,
    (None, "consent_model"): card_models.CONSENT_MODELS,
    (None, "barcode_source"): card_models.BARCODE_SOURCES,
    (None, "pin_rule"): card_models.PIN_RULES,
    (None, "ils"): card_models.ILS_KINDS,
    (None, "format"): card_models.ILS_KINDS,
    (None, "legal_basis"): card_models.LEGAL_BASES,
    (None, "transfer_method"): card_models.TRANSFER_METHODS,
    (None, "transfer_frequency"): card_models.TRANSFER_FREQUENCIES,
    (None, "signatory_status"): SIGNATORY_STATUSES,
    (None, "period"): resource_models.PERIODS,
    ("clause", "category"): clause_models.CATEGORIES,
    (None, "default_kinds"): agreement_models.KINDS,
    (None, "student_fields"): card_models.STUDENT_FIELDS,
    (None, "allowed_fields"): card_models.STUDENT_FIELDS,
    ("document_version", "approvals needed"): document_models.APPROVALS,
    ("document_version", "signing order"): document_models.SIGNING_ORDERS,
    ("agreement", "modification_window_start"): agreement_models.MONTHS,
    ("agreement", "modification_window_end"): agreement_models.MONTHS,
    ("document_version", "window_start"): MONTHS_AS_TEXT,
    ("document_version", "window_end"): MONTHS_AS_TEXT,
}
# Vocabularies that depend on the action rather than the entity: (action prefix, field) -> labels.
BY_ACTION: dict[tuple[str, str], dict] = {
    ("milestone.", "status"): milestone_models.STATUSES,
    ("resource.", "kind"): resource_models.KINDS,
    ("contact.", "role"): org_models.CONTACT_ROLES,
    ("organisation.", "kind"): org_models.KINDS,
    ("family.", "answer"): family_choices.CHOICES,
    ("family.letters", "language"): family_letters.RUN_NAMES,
    ("family_letter.", "language"): family_letters.RUN_NAMES,
    ("outcomes.", "source"): outcome_models.SOURCE_KINDS,
}
ORGANISATION_FIELDS = frozenset({"party_id", "organisation_id", "school_id", "parent_id", "home_branch_id",
                                 "provider_id", "recipient_id"})
USER_FIELDS = frozenset({"manager_id", "owner_id", "user_id"})
MONEY_FIELDS = frozenset({"value_cents"})
FIELD_WORDS = {"family_code": "family code", "sha256": "SHA-256", "pdf sha256": "PDF SHA-256", "text sha256": "text SHA-256", "ils": "ILS",
               "not_yet_exported": "not yet exported", "school_id": "school", "drive_id": "card drive",
               "value_cents": "value", "ils_branch_code": "ILS branch code", "state_id": "state id",
               "sourced_id": "OneRoster sourcedId", "polaris_branch_ids": "Polaris organization ids"}
BRANCH_MAPS = frozenset({"polaris_branch_ids"})  # {organisation id: value}: named by the branch


class Names:
    """Names for the ids a page of rows mentions, read in one query per kind."""

    def __init__(self, events: list[AuditEvent]):
        wanted: dict[str, set[int]] = {k: set() for k in ("user", "organisation", "agreement", "card_drive",
                                                           "document_version", "clause", "student")}
        for event in events:
            if event.entity_type in wanted and str(event.entity_id).isdigit():
                wanted[event.entity_type].add(int(event.entity_id))
            changes = event.changes or {}
            for value in _after_and_before(changes.get("organisations")):
                if isinstance(value, list):
                    wanted["organisation"].update(v for v in value if isinstance(v, int))
            for value in _after_and_before(changes.get("student")):
                if isinstance(value, int):
                    wanted["student"].add(value)
            for name, values in changes.items():
                kind = "organisation" if name in ORGANISATION_FIELDS else "user" if name in USER_FIELDS else None
                if kind:
                    wanted[kind].update(v for v in _after_and_before(values) if isinstance(v, int))
            for name in BRANCH_MAPS:
                for value in _after_and_before(changes.get(name)):
                    if isinstance(value, dict):
                        wanted["organisation"].update(int(k) for k in value if str(k).isdigit())
            filters = _after(changes.get("filters"))
            if isinstance(filters, dict):
                if isinstance(filters.get("school_id"), int):
                    wanted["organisation"].add(filters["school_id"])
                if isinstance(filters.get("drive_id"), int):
                    wanted["card_drive"].add(filters["drive_id"])
        self.users = _read(User.id, User.name, wanted["user"])
        self.drives = {d.id: d for d in _objects(CardDrive, wanted["card_drive"])}
        self.versions = {v.id: v for v in _objects(DocumentVersion, wanted["document_version"])}
        self.clauses = _read(Clause.id, Clause.title, wanted["clause"])
        self.student_schools = _read(Student.id, Student.school_id, wanted["student"])
        agreement_ids = wanted["agreement"] | {d.agreement_id for d in self.drives.values()}
        self.agreements = _read(Agreement.id, Agreement.title, agreement_ids)
        self.organisations = _read(Organisation.id, Organisation.name,
                                   wanted["organisation"] | set(self.student_schools.values()))

    def organisation(self, org_id) -> str:
        return self.organisations.get(org_id) or _("an organisation since removed")

    def student(self, student_id) -> str:
        school = self.student_schools.get(student_id)
        if school is None:
            return _("a student (no longer on the roster)")
        return _("a student of %(school)s", school=self.organisation(school))

    def drive(self, drive_id) -> str:
        drive = self.drives.get(drive_id)
        return f"“{drive.name}”" if drive else _("a card drive since removed")


def _after_and_before(values) -> list:
    return list(values) if isinstance(values, list) and len(values) == 2 else [values]


def _after(values):
    return values[1] if isinstance(values, list) and len(values) == 2 else values


def _read(id_column, value_column, ids: set[int]) -> dict:
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, value_column).where(id_column.in_(ids))).all())


def _objects(model, ids: set[int]) -> list:
    return list(db.session.scalars(select(model).where(model.id.in_(ids)))) if ids else []


def _field_label(name: str) -> str:
    words = FIELD_WORDS.get(name) or name.removesuffix("_id").replace("_", " ")
    clause = re.fullmatch(r"clause (\d+) (text|title)", words)
    if clause:
        return _("clause %(number)s text", number=clause[1]) if clause[2] == "text" else \
            _("clause %(number)s title", number=clause[1])
    return str(FIELD_LABELS.get(words, words))


def _vocabulary(event: AuditEvent, name: str) -> dict | None:
    for (prefix, field_name), labels in BY_ACTION.items():
        if field_name == name and event.action.startswith(prefix):
            return labels
    return VOCABULARIES.get((event.entity_type, name)) or VOCABULARIES.get((None, name))


def _value(event: AuditEvent, name: str, value, names: Names) -> str:
    """A stored value as words."""
    if value is None or value == "" or value == []:
        return ""
    if name == "organisations" and isinstance(value, list):
        return ", ".join(names.organisation(v) if isinstance(v, int) else str(v) for v in value)
    if name == "student" and isinstance(value, int):
        return names.student(value)
    if name == "filters" and isinstance(value, dict):
        return _filters(value, names)
    if name in ORGANISATION_FIELDS and isinstance(value, int):
        return names.organisation(value)
    if name in BRANCH_MAPS and isinstance(value, dict):
        return "; ".join(f"{names.organisation(int(k)) if str(k).isdigit() else k}: {v}" for k, v in value.items())
    if name in USER_FIELDS and isinstance(value, int):
        return names.users.get(value) or _("a removed account")
    if name in MONEY_FIELDS and isinstance(value, int):
        return f"${value / 100:,.2f}"
    vocabulary = _vocabulary(event, name)
    if vocabulary is not None and isinstance(value, (str, int)) and not isinstance(value, bool) and value in vocabulary:
        return str(vocabulary[value])  # a code, or a number that stands for something (a month)
    if vocabulary is not None and isinstance(value, str) and "," in value:  # "mou,joint_use"
        return ", ".join(str(vocabulary.get(v, v)) for v in value.split(","))
    if vocabulary is not None and isinstance(value, list):
        return ", ".join(str(vocabulary.get(v, v)) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(event, name, v, names) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(str(k))}: {_value(event, str(k), v, names)}" for k, v in value.items())
    if isinstance(value, str):
        return _date_or_text(value)
    return str(value)


def _date_or_text(value: str) -> str:
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return formats.long_date(date.fromisoformat(value))
        except ValueError:
            return value
    if len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            return formats.moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value


def _filters(value: dict, names: Names) -> str:
    """A patron export's filters: "not yet exported", "school: Lincoln Elementary School", ..."""
    words = []
    for key, given in value.items():
        if key == "not_yet_exported" and given:
            words.append(_("not yet exported"))
        elif key == "school_id":
            words.append(_("school: %(name)s", name=names.organisation(given)))
        elif key == "drive_id":
            words.append(_("card drive: %(name)s", name=names.drive(given)))
        elif key == "grade":
            words.append(_("grade %(grade)s", grade=given))
        elif given:
            words.append(f"{_field_label(key)}: {given}")
    return ", ".join(words) or _("none")


# ---- who and what ----------------------------------------------------------------------------

def _subject(event: AuditEvent, names: Names) -> str:
    kind, raw = event.entity_type, event.entity_id
    entity_id = int(raw) if str(raw).isdigit() else None
    if kind == "agreement":
        return _("the agreement “%(title)s”", title=names.agreements.get(entity_id) or _("since removed"))
    if kind == "organisation":
        return names.organisation(entity_id)
    if kind == "user":
        if event.actor_id == entity_id:
            return ""  # their own account: "Lee Librarian signed in"
        return _("the account of %(name)s", name=names.users.get(entity_id) or _("a removed account"))
    if kind == "card_drive":
        drive = names.drives.get(entity_id)
        if drive is None:
            return _("a card drive since removed")
        return _("the card drive “%(drive)s” of “%(agreement)s”", drive=drive.name,
                 agreement=names.agreements.get(drive.agreement_id, ""))
    if kind == "document_version":
        version = names.versions.get(entity_id)
        if version is None:
            return _("an MOU version since removed")
        return _("“%(title)s”, %(version)s", title=version.document.title, version=version.label)
    if kind == "clause":
        return _("the library clause “%(title)s”", title=names.clauses.get(entity_id) or _("since removed"))
    if kind == "login":
        return _("as %(email)s", email=raw)
    if kind == "roster_import":
        return _("roster uploads")
    return ""


# Actions a domain writes out whole, as one sentence that says what changed ("edited clause 3, Term and renewal"):
# action -> write(event) -> the sentence, or "" to read the row the usual way. Domains add theirs (add_sentences).
WHOLE: dict[str, Callable[[AuditEvent], str]] = {}


def add_sentences(writers: dict[str, Callable[[AuditEvent], str]]) -> None:
    WHOLE.update(writers)


def lines(events: Iterable[AuditEvent], subjects: bool = True) -> list[Line]:
    """The rows as read; `subjects=False` for a History section, where every row concerns the same thing."""
    events = list(events)
    names = Names(events)
    found = []
    for event in events:
        whole = WHOLE[event.action](event) if event.action in WHOLE else ""
        if whole:
            subject = _subject(event, names) if subjects else ""
            found.append(Line(event, actor_name(event.actor_label or ""), whole, subject, []))
            continue
        changes = [_change(event, name, values, names) for name, values in (event.changes or {}).items()
                   if name not in HIDDEN_FIELDS]
        subject = _subject(event, names) if subjects or event.entity_type == "login" else ""
        found.append(Line(event, actor_name(event.actor_label or ""), describe(event.action), subject, [c for c in changes if c.before or c.after]))
    return found


def _change(event: AuditEvent, name: str, values, names: Names) -> Change:
    before, after = _before(values), _after(values)
    if any(isinstance(v, str) and ("{{" in v or "{%" in v) for v in (before, after)):
        # a clause's wording, written in the clause language: the version's page shows it, the log says it changed
        return Change(_field_label(name), "", _("the wording was changed") if before else _("the wording was set"))
    return Change(_field_label(name), _value(event, name, before, names), _value(event, name, after, names))


def _before(values):
    return values[0] if isinstance(values, list) and len(values) == 2 else None

