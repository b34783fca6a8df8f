"""Bulk work as jobs: a draft MOU per school of a district, and the signed PDFs of a set as one zip."""
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from tests import documents as docs
from tests.test_jobs import wait_for
from tracker.agreements.models import Agreement
from tracker.documents import service
from tracker.extensions import db


@pytest.mark.committed  # the job runs in a thread
def test_one_draft_per_school_of_the_district_then_nothing_new(world, login):
    template = docs.draft(world)
    service.update_settings(docs.SETUP, template, ["internal", "board"], "sequential", {**template.terms, "grades": "3–5"},
                            may_set_approvals=True)
    staff = login(world.emails["library_staff"])
    data = {"template_id": world.agreements["own"].id, "district_id": world.orgs["district"].id}
    response = staff.post("/documents/bulk", data=data)
    assert response.status_code == 303
    job = wait_for(int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)))
    assert job.status == "done", job.message
    assert (job.result["created"], job.result["skipped"], job.done, job.total) == (2, 0, 2, 2)
    titles = set(db.session.execute(select(Agreement.title)).scalars())
    assert {"Lakeside Card MOU — North School", "Lakeside Card MOU — South School"} <= titles
    south = db.session.scalar(select(Agreement).where(Agreement.title == "Lakeside Card MOU — South School"))
    [document] = service.documents_of(south.id)
    version = document.versions[0]
    assert [c.title for c in version.clauses] == [c.title for c in template.clauses]
    assert version.terms["grades"] == "3–5" and document.needed == ["internal", "board"] and version.status == "draft"
    assert {p.organisation.name for p in south.parties} == {"Lakeside Library System", "South School"}
    again = wait_for(int(re.search(r"/jobs/(\d+)", staff.post("/documents/bulk", data=data).headers["Location"]).group(1)))
    assert (again.result["created"], again.result["skipped"]) == (0, 2)


def test_bulk_refuses_a_template_outside_the_users_agreements_or_without_an_mou(world, login):
    docs.draft(world, "other")
    staff = login(world.emails["library_staff"])
    for template in ("other", "own"):  # someone else's agreement; ours, which has no MOU yet
        response = staff.post("/documents/bulk", data={"template_id": world.agreements[template].id,
                                                       "district_id": world.orgs["district"].id})
        assert response.status_code == 422 and "Choose an agreement that has an MOU." in response.get_data(as_text=True)
    response = staff.post("/documents/bulk", data={"template_id": "", "district_id": world.orgs["library"].id})
    assert response.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(Agreement)) == 2


@pytest.mark.committed  # the job runs in a thread
def test_the_signed_pdfs_of_a_set_come_as_one_zip(world, login, mailbox):
    sealed = docs.sign_all(docs.out_for_signature(world, [docs.outside()]))
    docs.draft(world, "other")  # a draft: not in the zip
    viewer = login(world.emails["viewer"])
    refused = viewer.post("/documents/zip", data={})
    assert refused.status_code == 422 and "Choose whose agreements to include." in refused.get_data(as_text=True)
    response = viewer.post("/documents/zip", data={"of": "all"})
    job = wait_for(int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1)))
    assert job.status == "done" and job.result["count"] == 1
    download = viewer.get(job.result["url"])
    assert download.status_code == 200 and download.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    [name] = archive.namelist()
    assert sealed.public_id in name and archive.read(name) == sealed.pdf
    assert login(world.emails["administrator"]).get(job.result["url"]).status_code == 404  # someone else's zip


@pytest.mark.committed  # the job runs in a thread
def test_bulk_refuses_a_district_whose_drafts_the_user_could_not_see(world, login):
    """A district administrator may draft for their own district, not for a district and library that are not theirs."""
    from tests.conftest import PASSWORD
    from tracker.auth import service as accounts

    docs.draft(world)
    accounts.create_user(docs.SETUP, "dana@district.example", "Dana District", "administrator", PASSWORD, [world.orgs["district"]])
    db.session.commit()
    district_admin = login("dana@district.example")
    refused = district_admin.post("/documents/bulk", data={"template_id": world.agreements["own"].id,
                                                           "district_id": world.orgs["other_district"].id})
    assert refused.status_code == 422 and "neither of which you work for" in refused.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(Agreement.id))) == 2
    allowed = district_admin.post("/documents/bulk", data={"template_id": world.agreements["own"].id,
                                                           "district_id": world.orgs["district"].id})
    assert allowed.status_code == 303
    wait_for(int(re.search(r"/jobs/(\d+)", allowed.headers["Location"]).group(1)))
