"""Start a job, report its progress, run it: in a thread of this process, or on RQ with REDIS_URL.

A task is a plain function `task(job_id: int, **params) -> dict`, named "module:function".
It reports progress with `progress(job_id, done, total, message)` between its own transactions
and returns a small dict kept as the job's result (counts, a download URL, ...). An exception
marks the job failed with its message; the task's uncommitted work is rolled back.
"""
import importlib
import threading
from datetime import datetime

from flask import current_app
from sqlalchemy import update

from tracker import languages
from tracker.auth.permissions import ADMIN
from tracker.extensions import db
from tracker.jobs.models import Job


def start(kind: str, title: str, task: str, params: dict | None = None, user_id: int | None = None) -> Job:
    """Record the job, commit it, and hand it to a runner. Returns at once."""
    _resolve(task)  # a misspelt task fails here, in the request, not later in a thread
    job = Job(kind=kind, title=title, task=task, params=params or {}, created_by_id=user_id, language=languages.asked())
    db.session.add(job)
    db.session.commit()
    url = current_app.config.get("REDIS_URL")
    if url:
        from redis import Redis
        from rq import Queue

        Queue("tracker", connection=Redis.from_url(url)).enqueue("tracker.jobs.worker.run_job", job.id,
                                                                 job_timeout=current_app.config["JOB_TIMEOUT"])
    else:
        app = current_app._get_current_object()
        threading.Thread(target=_run_in_app, args=(app, job.id), name=f"job-{job.id}", daemon=True).start()
    return job


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        run(job_id)
        db.session.remove()


def run(job_id: int) -> None:
    """Do the job's work now, in this process, recording how it ended."""
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    job.status = "running"
    db.session.commit()
    task, params = _resolve(job.task), dict(job.params)
    try:
        with languages.speaking(job.language):  # its progress, messages and results in its starter's language
            result = task(job_id, **params) or {}
    except Exception as exc:  # noqa: BLE001  every failure is reported on the job, not lost in a thread
        db.session.rollback()
        current_app.logger.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, "failed", {}, str(exc) or exc.__class__.__name__)
        return
    db.session.commit()
    _finish(job_id, "done", result, "")


def _finish(job_id: int, status: str, result: dict, message: str) -> None:
    db.session.execute(update(Job).where(Job.id == job_id).values(
        status=status, result=result, message=message, finished_at=datetime.utcnow()))
    db.session.commit()


def progress(job_id: int, done: int, total: int | None = None, message: str | None = None) -> None:
    """Record how far a job has got, in its own short transaction on its own connection.

    Call it between the task's transactions: on SQLite a second connection waits while the
    task's session holds uncommitted writes.
    """
    values = {"done": done}
    if total is not None:
        values["total"] = total
    if message is not None:
        values["message"] = message
    with db.engine.begin() as connection:
        connection.execute(update(Job).where(Job.id == job_id).values(**values))


def get_for(job_id: int, user) -> Job | None:
    """The job if this user may watch it: the one who started it, or an admin."""
    job = db.session.get(Job, job_id)
    if job is None or (user.role != ADMIN and job.created_by_id != user.id):
        return None
    return job


def _resolve(task: str):
    module, _, name = task.partition(":")
    return getattr(importlib.import_module(module), name)
