"""Card programme and data-sharing spec of an agreement: validation, saving, and the rules they set
(barcode, PIN, expiry, branch; allowed fields, destruction date)."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.agreements.models import Agreement, Party
from tracker.audit import service as audit
from tracker.cards import ils
from tracker.cards.models import CardProgramme, DataSharingSpec
from tracker.extensions import db
from tracker.orgs.models import SCHOOL, Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.validation import Conflict, Invalid

PROGRAMME_FIELDS = (
    "card_model", "checkout_limit", "hold_limit", "fines_free", "lost_item_billing", "interlibrary_loan", "card_form",
    "consent_model", "barcode_prefix", "barcode_source", "pin_rule", "expiry_month", "expiry_day", "ils",
    "patron_category", "branch_code", "koha_version", "koha_attributes", "polaris_language_id", "polaris_branch_ids",
)
SPEC_FIELDS = ("allowed_fields", "legal_basis", "transfer_method", "transfer_frequency", "subprocessors",
               "retention_days_after_end", "destroy_on")


def programme_of(agreement_id: int) -> CardProgramme | None:
    return db.session.scalar(select(CardProgramme).where(CardProgramme.agreement_id == agreement_id))


def spec_of(agreement_id: int) -> DataSharingSpec | None:
    return db.session.scalar(select(DataSharingSpec).where(DataSharingSpec.agreement_id == agreement_id))


def schools_of(agreement_id: int) -> list[Organisation]:
    """The schools an agreement covers: school parties, and the schools of district parties."""
    party_ids = list(db.session.scalars(select(Party.organisation_id).where(Party.agreement_id == agreement_id)))
    ids = descendants_and_self(party_ids)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids), Organisation.kind == SCHOOL)
                                   .order_by(Organisation.name)))


def _save(actor, agreement: Agreement, model, current, data: dict, fields, version: int | None, name: str):
    if current is None:
        current = model(agreement_id=agreement.id, **data)
        db.session.add(current)
        db.session.flush()
        audit.record(actor, f"{name}.created", "agreement", agreement.id, audit.created(data))
    else:
        if version is not None and current.version != version:
            raise Conflict([])
        audit.populate_and_record(actor, current, data, f"{name}.updated", "agreement", agreement.id, fields, always=True)
        current.version += 1
    db.session.commit()
    return current


def save_programme(actor, agreement: Agreement, data: dict, version: int | None = None) -> CardProgramme:
    errors = {}
    month, day = data.get("expiry_month"), data.get("expiry_day")
    try:
        date(2024, int(month), int(day))  # a leap year: 29 February is a valid rule
    except (TypeError, ValueError):
        errors["expiry_day"] = _("This day does not exist in that month.")
    if data.get("pin_rule") == "birth_mmyyyy":
        spec = spec_of(agreement.id)
        if spec is not None and "birth_date" not in spec.allowed_fields:
            errors["pin_rule"] = _("The data-sharing spec does not allow birth dates; choose another PIN rule.")
    schools = schools_with_branches(agreement.id)
    errors.update(ils.programme_problems(data, [(s.name, (s.home_branch.ils_branch_code if s.home_branch else "") or "")
                                                for s in schools]))
    branches, current = home_branches(agreement.id, schools), programme_of(agreement.id)
    given = (data.get("polaris_branch_ids") if "polaris_branch_ids" in data
             else current.polaris_branch_ids if current else None) or {}
    errors.update(ils.polaris_branch_problems(data.get("ils"), given,
                                              [(polaris_field(b), str(b.id), b.name) for b in branches]))
    if errors:
        raise Invalid(errors)
    # Kept for the branches the programme's schools are served by (a branch no longer among them is dropped).
    data = {**data, "polaris_branch_ids": {str(b.id): int(given[str(b.id)]) for b in branches
                                           if given.get(str(b.id)) not in (None, "")}}
    return _save(actor, agreement, CardProgramme, current, data, PROGRAMME_FIELDS, version, "card_programme")


def schools_with_branches(agreement_id: int) -> list[Organisation]:
    """The agreement's schools by name, each with its home branch loaded."""
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_([s.id for s in schools_of(agreement_id)]))
                                   .options(selectinload(Organisation.home_branch)).order_by(Organisation.name)))


def home_branches(agreement_id: int, schools: list[Organisation] | None = None) -> list[Organisation]:
    """The branches the agreement's schools (`schools_with_branches`, when already read) are served by, by name."""
    if schools is not None:
        return sorted({s.home_branch.id: s.home_branch for s in schools if s.home_branch}.values(), key=lambda b: b.name)
    ids = {s.home_branch_id for s in schools_of(agreement_id) if s.home_branch_id}
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def polaris_ids(found: CardProgramme | None, branches: list[Organisation]) -> list[tuple[Organisation, int | None]]:
    """Each branch with its Polaris organization id on the programme (None: not given yet)."""
    ids = (found.polaris_branch_ids or {}) if found else {}
    return [(b, ids.get(str(b.id))) for b in branches]


def polaris_field(branch: Organisation) -> str:
    """The card programme form's field for a branch's Polaris organization id."""
    return f"polaris_branch_{branch.id}"


def save_spec(actor, agreement: Agreement, data: dict, version: int | None = None) -> DataSharingSpec:
    if not data.get("allowed_fields"):
        raise Invalid({"allowed_fields": _("Allow at least one field, or no roster can be kept.")})
    if data.get("retention_days_after_end") is not None and data.get("destroy_on"):
        raise Invalid({"destroy_on": _("Give a fixed destruction date or a number of days after the end of the agreement, not both.")})
    if data.get("retention_days_after_end") is not None and agreement.end_date is None:
        raise Invalid({"retention_days_after_end": _("The agreement has no end date; give a fixed destruction date instead.")})
    return _save(actor, agreement, DataSharingSpec, spec_of(agreement.id), data, SPEC_FIELDS, version, "data_sharing_spec")


def destruction_date(spec: DataSharingSpec | None, agreement: Agreement) -> date | None:
    """When the roster must be destroyed: the fixed date, or so many days after the end of the agreement."""
    if spec is None:
        return None
    if spec.destroy_on:
        return spec.destroy_on
    if spec.retention_days_after_end is not None and agreement.end_date:
        return agreement.end_date + timedelta(days=spec.retention_days_after_end)
    return None


# ---- the rules a programme sets for each patron ------------------------------------------------

def expiry(programme: CardProgramme, drive) -> date:
    """The expiry day in the school year after the drive's: a drive of September 2027 (school year
    2027-28) makes cards that expire on the programme's day of 2028. Never from today's date."""
    start = drive.starts_on or drive.ends_on
    if start is None:
        raise Invalid({"drive_id": _("Give the drive %(drive)s its dates: its school year sets the expiry date.", drive=drive.name)})
    year = ils.school_year(start) + 1
    day = programme.expiry_day
    if programme.expiry_month == 2 and day == 29:
        day = 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28
    return date(year, programme.expiry_month, day)


NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class School:
    name: str
    code: str  # OneRoster sourcedId, else state id
    branch: str  # the ILS branch code its students are registered at (Koha, Evergreen, generic)
    polaris_branch: str = ""  # the Polaris organization id of its home branch (Leap's PatronBranchID)


@dataclass(frozen=True)
class PatronRules:
    """A programme's rules, read once for an export: barcode, PIN, expiry, category, branch per school."""

    prefix: str
    barcode_source: str
    pin_rule: str
    category: str
    expires: date
    schools: dict[int, School]
    allowed: frozenset[str]  # the student fields the data-sharing spec allows
    koha_version: str = "24.05"
    koha_attributes: tuple[str, ...] = ()
    language_id: int = 1

    @classmethod
    def of(cls, programme: CardProgramme, drive) -> "PatronRules":
        schools = {}
        for school in schools_with_branches(programme.agreement_id):
            home = (school.home_branch.ils_branch_code if school.home_branch else "") or ""
            polaris = (programme.polaris_branch_ids or {}).get(str(school.home_branch_id), "")
            schools[school.id] = School(school.name, school.sourced_id or school.state_id or "", programme.branch_code or home,
                                        str(polaris))
        spec = spec_of(programme.agreement_id)
        return cls(programme.barcode_prefix, programme.barcode_source, programme.pin_rule, programme.patron_category,
                   expiry(programme, drive), schools, frozenset(spec.allowed_fields if spec else ()),
                   programme.koha_version or "24.05", tuple(programme.koha_attributes or ()), programme.polaris_language_id or 1)

    def barcodes(self, students) -> list[str]:
        """Each student's card number; `students` holds columns (a list of values per field)."""
        if self.barcode_source == "identifier":
            return [f"{self.prefix}{identifier or source}" for identifier, source in zip(students.identifier, students.source_id)]
        return [f"{self.prefix}{source}" for source in students.source_id]

    def pins(self, students) -> list[str]:
        """Each student's PIN (from a birth date, worked out once per distinct date)."""
        if self.pin_rule == "birth_mmyyyy":
            return by_value(students.birth_date, lambda born: born.strftime("%m%Y") if born else "")
        if self.pin_rule == "id_last4":
            ids = [identifier or source for identifier, source in zip(students.identifier, students.source_id)]
            if "".join(ids).isdecimal():  # digits only (nothing for \D to take), as student ids mostly are
                return [i[-4:] for i in ids]
            return [NOT_DIGITS.sub("", i)[-4:] for i in ids]
        return [""] * len(students.source_id)

    def per_school(self, school_ids, attribute: str) -> list[str]:
        """One attribute of each student's school (name, code, branch, polaris_branch)."""
        return list(map({k: getattr(school, attribute) for k, school in self.schools.items()}.__getitem__, school_ids))


def by_value(values, make) -> list:
    """`make` of each value, called once per distinct value (a roster repeats its dates and names)."""
    made = {value: make(value) for value in set(values)}
    return list(map(made.__getitem__, values))
