"""Accounts from the command line: the first admin of a new deployment, and later ones."""
import click
from flask import Blueprint

from tracker.audit.service import Actor
from tracker.auth import accounts
from tracker.auth.permissions import ROLES
from tracker.validation import Invalid

bp = Blueprint("users", __name__, cli_group="users")


@bp.cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--org", "org_ids", type=int, multiple=True, help="Organisation id the user belongs to (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_user(email, name, role, org_ids, password):
    """Create an account."""
    try:
        accounts.create_account(Actor(label="command line"), {"email": email, "name": name, "role": role,
                                                              "password": password, "organisation_ids": list(org_ids)})
    except Invalid as exc:
        raise click.ClickException(" ".join(m for messages in exc.errors.values() for m in messages)) from None
    click.echo(f"created {role} {email}")
