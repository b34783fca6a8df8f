"""A school's plain CSV: asked for its school when none is chosen, its common headings recognised with sample
values beside each column, and students without a grade reported."""
import io

from sqlalchemy import select

from tests.card_fixtures import set_up_cards
from tracker.cards.models import RosterImport
from tracker.extensions import db

SIS_EXPORT = ("Student Number,First Name,Last Name,Grade Level,DOB,Homeroom\n"
              "7001,Ana,Lima,3,2017-05-01,Room 4\n7002,Ben,Otto,,2016-02-03,Room 4\n7003,Cai,Wu,4,2016-09-09,Room 5\n").encode()


def upload(staff, world, data, school=""):
    files = {"file": (io.BytesIO(data), "sis.csv"), "school_id": school}
    return staff.post(f"/agreements/{world.agreements['own'].id}/roster/imports", files, content_type="multipart/form-data")


def test_a_plain_csv_without_a_school_asks_for_the_school(world, login):
    set_up_cards(world)
    staff = login(world.emails["library_staff"])
    response = upload(staff, world, SIS_EXPORT)
    assert response.status_code == 422
    assert "sis.csv is a school&#39;s own CSV, not a OneRoster file: choose the school it comes from" in response.text
    assert db.session.scalars(select(RosterImport)).first() is None  # nothing kept


def test_common_headings_are_recognised_with_sample_values_and_rows_without_a_grade_reported(world, login):
    set_up_cards(world)
    staff = login(world.emails["library_staff"])
    location = upload(staff, world, SIS_EXPORT, str(world.orgs["north"].id)).headers["Location"]
    page = staff.get(location).text
    assert "Map the columns" in page and "e.g. 7001, 7002, 7003" in page and "e.g. Room 4, Room 4, Room 5" in page
    staged = db.session.scalars(select(RosterImport)).one()
    form = {f"column_{i}": v for i, v in enumerate(["source_id", "given_name", "family_name", "grade", "birth_date", ""])}
    for i, expected in form.items():  # the guesses are already selected
        assert f'<option selected value="{expected}">' in page or not expected, i
    assert staff.post(f"{location}/mapping", form).status_code == 303
    db.session.expire_all()
    staged = db.session.get(RosterImport, staged.id)
    assert (staged.summary["new"], staged.summary["no_grade"], staged.summary["no_grade_rows"]) == (3, 1, [3])
    assert "1 student, counted in no drive grade (row 3)" in staff.get(location).text
