import click
from flask import Blueprint

from tracker import sealing
from tracker.audit.service import Actor
from tracker.documents import final, signing

bp = Blueprint("documents_cli", __name__, cli_group="documents")


@bp.cli.command("remind")
@click.option("--every", default=3, show_default=True, help="Remind a signer at most once in this many days.")
def remind(every: int):
    """Email the signers whose turn it is and who were not invited or reminded lately (run daily from cron)."""
    count = signing.remind(Actor(label="signing reminders"), every)
    click.echo(f"Reminded {count} signer(s).")


@bp.cli.command("seal")
def seal():
    """Renew a seal certificate that names no CRL address; try once more to seal the versions signed by everyone
    whose timestamp is still missing."""
    if sealing.renew_without_crl():
        click.echo("The seal certificate named no CRL address: the seal's CA issued a new one that does "
                   "(documents sealed before stay genuine).")
    for version_id in final.waiting():
        reason = final.try_sealing(version_id)
        click.echo(f"Version {version_id}: " + ("sealed." if reason is None else f"still waiting: the timestamping server {reason}."))
