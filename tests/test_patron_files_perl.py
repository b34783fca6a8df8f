"""Every patron export read by Perl's Text::CSV with the options of the importer it is for (Koha's
Koha/Patrons/Import.pm: binary => 1; Evergreen's patron_loader.pl: sep_char only), and every row loads.
On PostgreSQL each Evergreen date value goes through the loader's TO_DATE and casts to a date; Polaris'
integer columns hold integers. `make test` installs Debian's libtext-csv-perl (scripts/ensure-perl-csv)."""
import csv
import io
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.card_fixtures import SETUP, import_roster, polaris, set_up_cards, users_csv
from tests.test_cards_roster import zipped
from tracker.cards import patrons
from tracker.extensions import db

PERL = Path(__file__).parent / "perl"
TODAY = date(2026, 9, 10)
# Accented names, a name with a comma and quotes, a student without a birth date or email.
EXTRA = users_csv([("stu-301", "sch-north", "José", "Núñez", "03", "300301"),
                   ("stu-302", "sch-north", "Zoë", 'O"Brien, Jr', "04", "300302"),
                   ("stu-303", "sch-north", "Łukasz", "Wójcik", "05", "300303")])


@pytest.fixture
def loaded(world):
    card_programme, drive = set_up_cards(world)
    world.orgs["branch"].ils_branch_code = "HAR"
    out = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(io.BytesIO(zipped("oneroster11_zip")), "r") as source, zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "users.csv":
                data += EXTRA.split(b"\n", 1)[1]
            archive.writestr(name, data)
    assert import_roster(world, out.getvalue(), name="district.zip").summary["new"] == 5
    return card_programme


def perl(script: str, path: Path, *args: str) -> list[str]:
    done = subprocess.run(["perl", str(PERL / script), str(path), *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def exported(card_programme, file_format: str, tmp_path: Path, **options) -> tuple[Path, int]:
    made = patrons.export(SETUP, card_programme, file_format, patrons.Filters(), today=TODAY, **options)
    path = tmp_path / made.filename
    path.write_bytes(made.data)
    return path, made.rows


@pytest.mark.parametrize(("version", "attributes"), [("24.05", ["GRADE", "SCHOOL"]), ("22.05", []), ("23.11", ["GRADE"])])
def test_koha_import_reads_every_row(loaded, tmp_path, version, attributes):
    loaded.koha_version, loaded.koha_attributes = version, attributes
    path, rows = exported(loaded, "koha", tmp_path)
    assert rows == 5
    assert perl("koha_import.pl", path, ",".join(attributes))[0] == f"loaded {rows} refused 0"


def test_koha_refuses_attribute_types_it_does_not_know(loaded, tmp_path):
    """Why the programme declares its attribute types: Koha refuses a row naming an undefined one."""
    loaded.koha_attributes = ["GRADE", "SCHOOL"]
    path, rows = exported(loaded, "koha", tmp_path)
    result = perl("koha_import.pl", path, "GRADE")
    assert result[0] == f"loaded 0 refused {rows}" and "patron_attribute_invalid_type SCHOOL" in result[1]


def test_evergreen_loader_reads_every_row_with_its_own_options(loaded, tmp_path):
    path, rows = exported(loaded, "evergreen", tmp_path)
    assert rows == 5
    assert perl("evergreen_loader.pl", path) == [f"loaded {rows} skipped 0 unparsed 0"]


def test_without_ascii_names_the_stock_evergreen_loader_skips_accented_lines(loaded, tmp_path):
    """What the preview warns about when ASCII names are turned off."""
    path, _rows = exported(loaded, "evergreen", tmp_path, ascii_names=False)
    assert perl("evergreen_loader.pl", path)[0] == "loaded 2 skipped 0 unparsed 3"


def test_every_evergreen_date_casts_to_a_date_on_postgresql(loaded, tmp_path, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL: run with TEST_DATABASE_URL")
    path, _rows = exported(loaded, "evergreen", tmp_path)
    reader = csv.DictReader(io.StringIO(path.read_text("utf-8")))
    dates = [row[c] for row in reader for c in ("dob", "expire_date") if c in row]
    assert dates
    for value in dates:  # as the loader's sql_date does, and as the INSERT into actor.usr does
        assert db.session.execute(text("SELECT TO_DATE(:v, 'YYYY/MM/DD') = CAST(:v AS date)"), {"v": value}).scalar()
    with pytest.raises(Exception, match="invalid input syntax for type date"):
        db.session.execute(text("SELECT CAST(:v AS date)"), {"v": ""})
    db.session.rollback()


def test_polaris_integer_columns_hold_integers(world, tmp_path):
    card_programme, _drive = set_up_cards(world, prog=polaris(world, "17"))
    import_roster(world, zipped("oneroster11_zip"), name="district.zip")
    path, rows = exported(card_programme, "polaris", tmp_path)
    records = list(csv.DictReader(io.StringIO(path.read_text("utf-8"))))[1:]  # under the translation row
    assert len(records) == rows == 2
    for record in records:
        for column in ("TransactionCode", "PatronCodeID", "PatronBranchID", "LanguageID", "MaintainReadingList"):
            assert record[column].isdigit(), (column, record[column])
