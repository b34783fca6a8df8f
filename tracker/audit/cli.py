import click
from flask import Blueprint

from tracker.audit import service

bp = Blueprint("audit", __name__, cli_group="audit")


@bp.cli.command("verify")
def verify_command():
    """Check the audit chain; exit non-zero naming the first bad row."""
    result = service.verify()
    if result.ok:
        click.echo(f"audit chain intact: {result.count} events")
        return
    where = f"row {result.bad_id}" if result.bad_id is not None else "end of chain"
    click.echo(f"audit chain BROKEN at {where}: {result.reason} ({result.count} events verified before it)", err=True)
    raise SystemExit(1)
