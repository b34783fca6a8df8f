"""The RQ side: what a worker calls for each job, and `flask --app wsgi jobs worker`."""
import click
from flask import Blueprint, current_app, has_app_context

from tracker.jobs import service

bp = Blueprint("jobs_cli", __name__, cli_group="jobs")
_app = None


def run_job(job_id: int) -> None:
    """Entry point RQ calls in the worker (a forked child of `jobs worker`, or any `rq worker`)."""
    global _app
    if has_app_context():
        from tracker.extensions import db

        db.engine.dispose(close=False)  # never share the parent's connections across fork
        service.run(job_id)
        return
    if _app is None:
        from tracker import create_app

        _app = create_app()
    with _app.app_context():
        service.run(job_id)


@bp.cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker for the tracker's jobs (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: jobs run inside the web process, no worker is needed")
    connection = Redis.from_url(url)
    Worker([Queue("tracker", connection=connection)], connection=connection).work(burst=burst)
