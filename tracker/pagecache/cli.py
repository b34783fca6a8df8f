import click
from flask import Blueprint

from tracker.pagecache import store

bp = Blueprint("pagecache", __name__, cli_group="cache")


@bp.cli.command("clear")
def clear_command():
    """Forget every kept page (after restoring the database from a backup, whose stamps may repeat)."""
    if store.current() is None:
        click.echo("No page cache is configured (PAGE_CACHE_URL or REDIS_URL): nothing to forget.")
        return
    store.forget_all()
    click.echo("Every kept page is forgotten; pages are rendered afresh as they are asked for.")
