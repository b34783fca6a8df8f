import click
from flask import Blueprint

from tracker.calendar import reminders
from tracker.partners import reminders as partner_reminders

bp = Blueprint("reminders", __name__, cli_group="reminders")


@bp.cli.command("send")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Act as if today were this date for everyone (default: each user's today, in their time zone).")
def send(on):
    """Email each user their digest of key dates; run daily from cron. Nothing is sent twice."""
    summary = reminders.send_all(on.date() if on else None)
    day = on.date().isoformat() if on else "each user's today"
    click.echo(f"Reminders for {day}: {summary['items']} items to {summary['users']} users.")
    partners = partner_reminders.send_yearly()
    click.echo(f"Partners asked to confirm their details: {partners['contacts']} contacts of "
               f"{partners['organisations']} organisations.")
    summary["failed"] += partners["failed"]
    if summary["failed"]:
        click.echo(f"Could not send to: {', '.join(summary['failed'])} (they will be tried again next run).", err=True)
        raise SystemExit(1)
