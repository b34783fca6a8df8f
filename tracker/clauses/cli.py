import click
from flask import Blueprint

from tracker.audit.service import Actor
from tracker.clauses import service

bp = Blueprint("clauses_cli", __name__, cli_group="clauses")


@bp.cli.command("seed")
def seed():
    """Add the standard clauses when the library is empty (a new deployment); otherwise change nothing."""
    added = service.seed(Actor(label="clauses seed"))
    click.echo(f"Added {added} standard clauses." if added else "The clause library already has clauses; nothing changed.")
