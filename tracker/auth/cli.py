"""Accounts from the command line: the first admin of a new deployment, and later ones."""
import click
from flask import Blueprint
from sqlalchemy import select

from tracker.audit.service import Actor
from tracker.auth import service
from tracker.auth.permissions import ROLES
from tracker.extensions import db
from tracker.orgs.models import Organisation

bp = Blueprint("users", __name__, cli_group="users")


@bp.cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--org", "org_ids", type=int, multiple=True, help="Organisation id the user belongs to (repeatable).")
@click.password_option(help="Asked for when not given.")
def create_user(email, name, role, org_ids, password):
    """Create an account."""
    if service.find_user(email) is not None:
        raise click.ClickException(f"{email} already has an account")
    if len(password) < 12:
        raise click.ClickException("the password must have at least 12 characters")
    orgs = list(db.session.execute(select(Organisation).where(Organisation.id.in_(org_ids))).scalars())
    missing = set(org_ids) - {o.id for o in orgs}
    if missing:
        raise click.ClickException(f"no organisation with id {', '.join(map(str, sorted(missing)))}")
    if role != "admin" and not orgs:
        raise click.ClickException("every role but admin needs at least one --org")
    service.create_user(Actor(label="command line"), email, name, role, password, orgs)
    db.session.commit()
    click.echo(f"created {role} {email}")
