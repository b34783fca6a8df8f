from flask import Blueprint, abort
from flask_login import current_user

from tracker.auth.access import requires
from tracker.htmx import render, wants_fragment
from tracker.jobs import service

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.get("/<int:job_id>")
@requires("job.view")
def show(job_id: int):
    """The job's page; htmx polls it for the progress fragment until the job has finished. A finished job
    whose result asks to be followed (`follow`) sends the page on to its result."""
    job = service.get_for(job_id, current_user)
    if job is None:
        abort(404)
    response = render("jobs/show.html", "jobs/_progress.html", job=job)
    if wants_fragment() and job.status == "done" and (job.result or {}).get("follow") and job.result.get("url"):
        response.headers["HX-Redirect"] = job.result["url"]
    return response
