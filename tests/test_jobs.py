"""Long work as jobs: run in a thread by default, on RQ workers with REDIS_URL; progress shown by polling."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.jobs import service as jobs
from tracker.jobs.models import Job

ROOT = Path(__file__).resolve().parent.parent


def count_to(job_id: int, n: int) -> dict:
    """A task for these tests: counts, reporting each step, then says where its result is."""
    for i in range(1, n + 1):
        jobs.progress(job_id, i, n, f"Counted {i}")
    return {"url": "/counted", "link_text": f"See the {n} counts"}


def fail(job_id: int) -> dict:
    raise ValueError("The roster has no users.csv")


def wait_for(job_id: int, timeout: float = 20) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        if job.finished:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job.status} {job.message}")


def user(world, role) -> User:
    return db.session.scalar(select(User).where(User.email == world.emails[role]))


@pytest.mark.committed  # the job runs in a thread
def test_a_job_runs_in_the_background_and_its_page_shows_the_result(world, login):
    staff = user(world, "library_staff")
    job = jobs.start("test.count", "Count to three", "tests.test_jobs:count_to", {"n": 3}, staff.id)
    finished = wait_for(job.id)
    assert (finished.status, finished.done, finished.total, finished.percent) == ("done", 3, 3, 100)

    page = login(world.emails["library_staff"]).get(f"/jobs/{job.id}")
    assert page.status_code == 200
    assert "Count to three" in page.text and "Finished" in page.text
    assert 'href="/counted"' in page.text and "See the 3 counts" in page.text
    assert "hx-get" not in page.text  # a finished job stops polling


def test_a_running_job_polls_for_its_progress(world, login):
    staff = user(world, "library_staff")
    job = Job(kind="test", title="Import roster", task="tests.test_jobs:count_to", status="running", done=40, total=160,
              message="Reading users.csv", created_by_id=staff.id)
    db.session.add(job)
    db.session.commit()
    fragment = login(world.emails["library_staff"]).get(f"/jobs/{job.id}", htmx=True)
    assert "<html" not in fragment.text
    assert 'hx-get="/jobs/%d"' % job.id in fragment.text
    assert 'value="25"' in fragment.text and "40 / 160" in fragment.text and "Reading users.csv" in fragment.text


@pytest.mark.committed  # the job runs in a thread
def test_a_failed_job_says_why(world, login):
    staff = user(world, "library_staff")
    job = jobs.start("test.fail", "Import roster", "tests.test_jobs:fail", {}, staff.id)
    assert wait_for(job.id).status == "failed"
    page = login(world.emails["library_staff"]).get(f"/jobs/{job.id}")
    assert "Failed" in page.text and "The roster has no users.csv" in page.text


def test_only_the_starter_and_admins_see_a_job(world, login):
    job = Job(kind="test", title="Someone else's export", task="x:y", created_by_id=user(world, "library_staff").id)
    db.session.add(job)
    db.session.commit()
    assert login(world.emails["school_librarian"]).get(f"/jobs/{job.id}").status_code == 404
    assert login(world.emails["admin"]).get(f"/jobs/{job.id}").status_code == 200


def test_an_unknown_task_is_refused_when_the_job_is_started(world):
    with pytest.raises((ImportError, AttributeError)):
        jobs.start("test", "Nothing", "tests.test_jobs:no_such_task")
    assert db.session.scalar(select(db.func.count(Job.id))) == 0


@pytest.mark.committed  # the worker is another process
def test_with_redis_the_job_runs_on_an_rq_worker(app, world):
    """A real Redis (local, database 15) and a real `flask jobs worker --burst` in another process."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.fail("Redis is not running on 127.0.0.1:6379 (see the README: the suite needs it)")
    redis.Redis.from_url(url).flushdb()
    app.config["REDIS_URL"] = url
    try:
        job = jobs.start("test.count", "Count on a worker", "tests.test_jobs:count_to", {"n": 2})
    finally:
        app.config["REDIS_URL"] = None
    assert db.session.get(Job, job.id).status == "queued"  # nothing ran in this process
    env = {**os.environ, "DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False)),
           "REDIS_URL": url, "FLASK_APP": "wsgi", "TRACKER_ENV": "development"}
    done = subprocess.run([sys.executable, "-m", "flask", "jobs", "worker", "--burst"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    finished = wait_for(job.id, timeout=5)
    assert (finished.status, finished.done, finished.result["link_text"]) == ("done", 2, "See the 2 counts")


def speak(job_id: int) -> dict:
    """A task for these tests: returns words through the catalogue."""
    return {"link_text": _("Dashboard"), "said": _("Language")}


@pytest.mark.committed  # the job runs in a thread
def test_a_job_speaks_the_language_of_the_person_who_started_it(app, world):
    staff = user(world, "library_staff")
    with app.test_request_context(headers={"Accept-Language": "es"}):
        job = jobs.start("test.speak", "Hablar", "tests.test_jobs:speak", {}, staff.id)
    finished = wait_for(job.id)
    assert (finished.status, finished.language, finished.result) == ("done", "es", {"link_text": "Panel", "said": "Idioma"})
