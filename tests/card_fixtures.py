"""Card programmes, specs, drives and rosters on the test world's two agreements."""
from datetime import date

from tests.world import SETUP, World
from tracker.cards import drives, programme, roster
from tracker.cards.models import RosterImport
from tracker.extensions import db

ALL_FIELDS = ["given_name", "family_name", "middle_name", "identifier", "grade", "birth_date", "email", "username"]
PROGRAMME = {
    "card_model": "full", "checkout_limit": 10, "hold_limit": 5, "fines_free": True, "lost_item_billing": False,
    "interlibrary_loan": False, "card_form": "physical", "consent_model": "opt_out", "barcode_prefix": "2100",
    "barcode_source": "identifier", "pin_rule": "birth_mmyyyy", "expiry_month": 9, "expiry_day": 15, "ils": "koha",
    "patron_category": "STUDENT", "branch_code": "",
}
SPEC = {"allowed_fields": ALL_FIELDS, "legal_basis": "school_official", "transfer_method": "upload",
        "transfer_frequency": "once", "subprocessors": "", "retention_days_after_end": 30, "destroy_on": None}
SCHOOL_IDS = {"north": "sch-north", "south": "sch-south", "other_school": "sch-hill"}


def polaris(world: World, branch_id="17") -> dict:
    """A Polaris programme's settings: patron code id 3, and Harbor Branch (North School's home) its organization id."""
    return {"ils": "polaris", "patron_category": "3", "polaris_branch_ids": {str(world.orgs["branch"].id): branch_id}}


def users_csv(rows: list[tuple], extra_header: str = "") -> bytes:
    """A OneRoster 1.1 users.csv: rows of (sourcedId, orgSourcedIds, givenName, familyName, grades, identifier)."""
    header = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password"
    lines = [header]
    for sid, org, given, family, grade, ident in rows:
        lines.append(f'{sid},,,true,"{org}",student,{sid}@s.example,,{given},{family},,{ident},{sid}@s.example,,,,{grade},')
    return ("\n".join(lines) + "\n").encode()


def set_up_cards(world: World, key: str = "own", spec: dict | None = None, prog: dict | None = None):
    """Programme, spec and a drive (grades 03-05) on one of the world's agreements."""
    agreement = world.agreements[key]
    for name, code in SCHOOL_IDS.items():
        if world.orgs[name].sourced_id is None:
            world.orgs[name].sourced_id = code
    db.session.commit()
    if key == "own":
        # The own agreement covers North School only (it is the party); South is added through the district.
        pass
    programme.save_spec(SETUP, agreement, {**SPEC, **(spec or {})})
    card_programme = programme.save_programme(SETUP, agreement, {**PROGRAMME, **(prog or {})})
    schools = programme.schools_of(agreement.id)
    drive = drives.create(SETUP, agreement, {"name": f"September {key}", "starts_on": date(2026, 9, 1),
                                             "ends_on": date(2026, 9, 30), "status": "collecting",
                                             "grades": ["03", "04", "05"], "target_percent": 90}, [s.id for s in schools])
    return card_programme, drive


def import_roster(world: World, data: bytes, key: str = "own", name: str = "users.csv", commit: bool = True,
                  leavers: str = "mark") -> RosterImport:
    """Upload and (with `commit`) commit a roster, the students it lacks marked as left (`leavers`) even
    where the preview warns."""
    staged = roster.upload(SETUP, world.agreements[key], name, data, None, None)
    if commit:
        roster.commit(SETUP, staged, choice=leavers)
    return staged
