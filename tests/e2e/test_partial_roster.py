"""The issue's browser journey: staff import a file covering two of the eight schools, see the warning,
choose "this file is partial", then export an Evergreen file, which holds exactly the right students."""
import csv
import io
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import MOU
from tracker.cards.models import OptOut, Student
from tracker.extensions import db
from tracker.orgs.models import Organisation

pytestmark = pytest.mark.e2e
HEADER = ("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,"
          "middleName,identifier,email,sms,phone,agentSourcedIds,grades,password")


def test_a_partial_file_marks_nobody_as_left_and_the_evergreen_file_holds_the_right_students(app, signed_in, demo, tmp_path):
    mou = demo.agreements[MOU]
    with app.app_context():
        schools = {o.sourced_id: o for o in db.session.scalars(select(Organisation).where(
            Organisation.sourced_id.in_(["school-001", "school-002"])))}
        first, second = schools["school-001"], schools["school-002"]
        kept = {sid: rows for sid, rows in (
            (school.sourced_id, db.session.execute(select(Student.source_id, Student.given_name, Student.family_name,
                                                          Student.identifier, Student.grade)
                                                   .where(Student.school_id == school.id).order_by(Student.source_id)).all())
            for school in (first, second))}
        opted_out = set(db.session.scalars(select(OptOut.source_id)))
    # 200 of each school's 250 students, one of them renamed with accents, and a new student at Lincoln.
    lines = [HEADER]
    for sid, rows in kept.items():
        for source_id, given, family, identifier, grade in rows[:200]:
            lines.append(f"{source_id},,,true,{sid},student,,,{given},{family},,{identifier},,,,,{grade},")
    lines.append("stu-95001,,,true,school-001,student,,,José,Núñez,,495001,,,,,03,")
    path = tmp_path / "two-schools.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page = signed_in("staff@demo.test")
    page.goto(f"/agreements/{mou}/roster")
    page.get_by_label("Roster file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and preview").click()
    warnings = page.locator(".import-warnings")
    expect(warnings).to_contain_text("covers 2 of the agreement's 8 schools")
    expect(warnings).to_contain_text(f"{first.name}: 50 of its 250 students (20%) would be marked as left.")
    leavers = page.locator("table.import-leavers")
    expect(leavers.get_by_role("rowheader", name=second.name)).to_be_visible()
    # Committing without a choice is refused; "partial" marks nobody as left.
    page.get_by_role("button", name=re.compile("Commit the roster")).click()
    expect(page.get_by_text("Read the warnings, then choose")).to_be_visible()
    page.get_by_label("This file is partial: mark nobody as left").check()
    page.get_by_role("button", name=re.compile("Commit the roster")).click()
    expect(page.get_by_text(re.compile(r"Roster saved: 1 new, \d+ updated, 0 marked as left"))).to_be_visible()

    # An Evergreen file of Lincoln: every student it had, the new one, never an opted-out one.
    page.goto(f"/agreements/{mou}/patrons/export")
    page.get_by_label("Format").select_option("evergreen")
    page.get_by_label("School", exact=True).select_option(label=first.name)
    page.get_by_label(re.compile("Names in plain ASCII")).check()
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator(".export-check")).to_contain_text("José Núñez → Jose Nunez")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download patron file").click()
    text = open(download.value.path(), encoding="utf-8").read()
    exported = {row["ident_value"] for row in csv.DictReader(io.StringIO(text))}
    expected = {r[0] for r in kept["school-001"]} | {"stu-95001"}
    expected = {sid for sid in expected if sid not in opted_out}
    identifiers = {r[0]: r[3] for r in kept["school-001"]} | {"stu-95001": "495001"}
    assert exported == {identifiers[sid] for sid in expected}
    assert "Nunez" in text and "Núñez" not in text and text.isascii()
