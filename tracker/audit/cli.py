from pathlib import Path

import click
from flask import Blueprint

from tracker.audit import checkpoints, keys, service
from tracker.extensions import db

bp = Blueprint("audit", __name__, cli_group="audit")


@bp.cli.command("verify")
@click.option("--checkpoints", "checkpoint_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Check against this copy of the checkpoints (e.g. from the emails) instead of "
                                 "the instance's checkpoint file.")
def verify_command(checkpoint_file):
    """Check the audit chain against the key and the checkpoints; exit non-zero naming the first bad row."""
    try:
        result = service.verify(checkpoint_file)
    except checkpoints.CheckpointsInvalid as bad:
        click.echo(f"audit checkpoints INVALID: {bad.path} line {bad.line}: {bad.reason}. "
                   "The chain was not checked against them.", err=True)
        raise SystemExit(1)
    except keys.KeyUnusable as bad:
        click.echo(f"audit chain CANNOT BE VERIFIED: {bad}", err=True)
        raise SystemExit(2)
    checkpoints.note_full_verification(result.ok, result.count, result.bad_id)
    if result.missing_key:
        click.echo(f"audit chain CANNOT BE VERIFIED from row {result.bad_id}: it was written with audit key "
                   f"{result.missing_key}, which was not found ({result.count} events verified before it). "
                   f"The key is looked for in {keys.where_keys_are_looked_for()}.", err=True)
        raise SystemExit(2)
    if not result.ok:
        where = f"row {result.bad_id}" if result.bad_id is not None else "end of chain"
        click.echo(f"audit chain BROKEN at {where}: {result.reason} ({result.count} events verified before it)",
                   err=True)
        raise SystemExit(1)
    keyed = result.count - result.unkeyed
    detail = f" ({result.unkeyed} from before the audit key, {keyed} keyed)" if result.unkeyed else ""
    click.echo(f"audit chain intact: {result.count} events{detail}")
    if result.checkpoint:
        click.echo(f"latest checkpoint: {result.checkpoint.count} events at {result.checkpoint.when}")
    else:
        click.echo("no checkpoint yet (write one with `flask --app wsgi audit checkpoint`)")
    if result.not_checkpointed:
        click.echo(f"{result.not_checkpointed} events not yet checkpointed "
                   f"(rows {result.count - result.not_checkpointed + 1} to {result.count})")


@bp.cli.command("checkpoint")
@click.option("--email", is_flag=True, help="Also email the checkpoint to every active admin.")
def checkpoint_command(email):
    """Sign the chain's head and count with the seal key into instance/audit/checkpoints.jsonl; run daily."""
    checkpoint = checkpoints.write()
    click.echo(f"audit checkpoint written: {checkpoint.count} events, head {checkpoint.head[:16]}..., "
               f"at {checkpoint.when}, to {checkpoints.path()}")
    if email:
        sent, failed = checkpoints.email_admins(checkpoint)
        click.echo(f"emailed to {sent} admin{'' if sent == 1 else 's'}")
        if failed:
            click.echo(f"could not email: {', '.join(failed)}", err=True)
            raise SystemExit(1)


@bp.cli.command("rotate-key")
def rotate_key_command():
    """Make a new audit key for new rows; the old one is kept, for verification only, in instance/audit/retired/."""
    try:
        old, new = keys.rotate()
    except keys.KeyUnusable as refused:
        click.echo(f"audit key not rotated: {refused}", err=True)
        raise SystemExit(1)
    service.record(service.SYSTEM, service.ROTATED, "audit", "chain", {"key_id": [old.id if old else None, new.id]})
    db.session.commit()
    if old:
        click.echo(f"audit key rotated: new rows use key {new.id}; key {old.id} is kept in "
                   f"{keys.retired_folder() / (old.id + '.key')} to verify older rows.")
    else:
        click.echo(f"audit key created: {new.id}")
    click.echo("Restart the app so that every worker writes with the new key.")
