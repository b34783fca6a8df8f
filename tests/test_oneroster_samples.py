"""Real OneRoster sample sets published by others (tests/fixtures/oneroster/*/SOURCE.md), run through the
importer: students kept, teachers and parents never imported, a 1.2 set without roles.csv refused."""
from pathlib import Path

import pytest

from tests.card_fixtures import import_roster, set_up_cards
from tests.test_cards_roster import students, zip_of
from tracker.extensions import db

SAMPLES = Path(__file__).parent / "fixtures" / "oneroster"
MOODLE = SAMPLES / "moodle-enrol_oneroster"


def files(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def school(world):
    set_up_cards(world)
    world.orgs["north"].sourced_id = "org-sch-222-456"  # the school of Moodle's sample set
    db.session.commit()


def test_every_sample_records_its_source_and_licence():
    for folder in SAMPLES.iterdir():
        source = (folder / "SOURCE.md").read_text()
        assert "https://" in source and "Licence" in source


@pytest.mark.parametrize("as_zip", [False, True], ids=["users.csv", "zip"])
def test_moodle_11_sample_imports_its_three_students_and_no_teacher_or_parent(world, school, as_zip):
    sample = files(MOODLE / "v1p1")
    data = zip_of(sample) if as_zip else sample["users.csv"]
    staged = import_roster(world, data, name="moodle.zip" if as_zip else "users.csv")
    s = staged.summary
    assert (s["rows_read"], s["new"], s["not_students"], s["error_count"]) == (6, 3, 3, 0)
    saved = students()
    assert sorted(saved) == ["usr-222-1234561232", "usr-222-567891", "usr-222-66778899"]
    assert (saved["usr-222-567891"].given_name, saved["usr-222-567891"].grade) == ("Anna", "11")
    assert saved["usr-222-66778899"].school_id == world.orgs["north"].id


@pytest.mark.parametrize("what", ["zip", "users.csv"])
def test_moodle_12_sample_without_roles_is_refused(world, school, what):
    sample = files(MOODLE / "v1p2")
    data = zip_of(sample) if what == "zip" else sample["users.csv"]
    staged = import_roster(world, data, name="v1p2.zip" if what == "zip" else "users.csv", commit=False)
    assert staged.status == "failed"
    assert "roles.csv" in staged.summary["fatal"] and "does not say who is a student" in staged.summary["fatal"]
    assert students() == {}
