import os
import secrets
from pathlib import Path

import click
from flask import Blueprint, current_app
from sqlalchemy import select

from tracker import clock
from tracker.auth.models import User
from tracker.auth.permissions import ROLES
from tracker.demo import data
from tracker.extensions import db

bp = Blueprint("demo", __name__, cli_group=None)


def _password_file() -> Path:
    return Path(current_app.instance_path) / "demo-password.txt"


@bp.cli.command("seed-demo")
@click.option("--password", envvar="DEMO_PASSWORD", help="Password for every demo account (default: DEMO_PASSWORD, else generated).")
def seed_demo(password: str | None):
    """Load the demo partnership once; running it again changes nothing."""
    already = db.session.execute(select(User).where(User.email == "admin@demo.test")).scalar()
    if already is not None:
        click.echo("Demo data is already loaded; nothing changed (the accounts keep the password they were given).")
        saved = _password_file()
        password = saved.read_text().strip() if saved.exists() else None
    else:
        if not password:
            password = secrets.token_urlsafe(12)
            path = _password_file()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(password + "\n")
            os.chmod(path, 0o600)
        data.seed(password, clock.today())
        click.echo("Demo data loaded.")
    click.echo("Demo accounts (all with the same password):")
    for email, name, role, _home in data.ACCOUNTS:
        click.echo(f"  {email:<28} {name}, {ROLES[role]}")
    click.echo(f"Password: {password or '(the one given when the demo was first loaded: --password or DEMO_PASSWORD)'}")
