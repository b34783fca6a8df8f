"""Scheduled feeds and privacy duties from the command line:

    flask --app wsgi roster import PATH --program ID [--commit]
    flask --app wsgi patrons export --program ID --format koha|evergreen|polaris|generic --output FILE
    flask --app wsgi privacy purge
"""
import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Blueprint

from tracker.audit.service import Actor
from tracker.cards import patrons, privacy, roster
from tracker.cards.models import CardProgramme, RosterImport
from tracker.cards.workflow import UPLOADED
from tracker.extensions import db
from tracker.validation import Invalid

roster_cli = Blueprint("roster_cli", __name__, cli_group="roster")
patrons_cli = Blueprint("patrons_cli", __name__, cli_group="patrons")
privacy_cli = Blueprint("privacy_cli", __name__, cli_group="privacy")


def _actor(what: str) -> Actor:
    import getpass

    return Actor(label=f"command line ({getpass.getuser()}): {what}")


def _programme(program_id: int) -> CardProgramme:
    found = db.session.get(CardProgramme, program_id)
    if found is None:
        raise click.ClickException(f"No card programme with id {program_id}.")
    return found


def print_summary(staged: RosterImport) -> None:
    s = staged.summary
    if staged.is_failed:
        click.echo(f"Cannot read {staged.filename}: {s['fatal']}", err=True)
        return
    click.echo(f"{staged.filename} ({s['format']}): {s['rows_read']} rows read")
    for key, label in (("new", "new"), ("updated", "updated"), ("unchanged", "unchanged"), ("left", "to mark as left"),
                       ("duplicates", "duplicates"), ("opted_out", "excluded as opted out"), ("not_students", "not students"),
                       ("empty_rows", "empty rows")):
        click.echo(f"  {label:<24}{s[key]}")
    if s["dropped_columns"]:
        click.echo(f"  columns left out by the data-sharing spec: {', '.join(s['dropped_columns'])}")
    for row in s.get("left_by_school", []):
        click.echo(f"    {row['name']}: {row['left']} of {row['on_roster']} would be marked as left")
    for warning in s.get("warnings", []):
        click.echo(f"  WARNING: {warning}")
    click.echo(f"  {'errors':<24}{s['error_count']}")
    for e in s["errors"]:
        click.echo(f"    {e['file']} row {e['row'] or '-'} column {e['column'] or '-'}: {e['message']}")


@roster_cli.cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--program", "program_id", type=int, required=True, help="Card programme id.")
@click.option("--school", "school_id", type=int, help="For a plain CSV: the school whose saved column mapping to use.")
@click.option("--commit", "do_commit", is_flag=True, help="Write the roster (without it: preview only).")
@click.option("--leavers", type=click.Choice(["mark", "partial"]),
              help="Students the file lacks: mark them as left, or treat the file as partial (needed when the preview warns).")
def import_roster(path: Path, program_id: int, school_id: int | None, do_commit: bool, leavers: str | None):
    """Preview a roster file; write it with --commit. Exits 1 on errors, writing nothing."""
    card_programme = _programme(program_id)
    actor = _actor("roster import")
    try:
        staged = RosterImport(agreement_id=card_programme.agreement_id, filename=path.name, school_id=school_id,
                              upload=path.read_bytes(), status=UPLOADED)
        db.session.add(staged)
        db.session.commit()
        roster.preview(staged)
    except Invalid as exc:
        raise click.ClickException(str(exc)) from exc
    print_summary(staged)
    if staged.needs_mapping:
        click.echo("This plain CSV's school has no saved column mapping; map it once in the web page.", err=True)
        sys.exit(1)
    if not staged.is_previewed or staged.summary["error_count"]:
        roster.discard(actor, staged)
        click.echo("Nothing written: fix the errors and run again.", err=True)
        sys.exit(1)
    if not do_commit:
        roster.discard(actor, staged)
        click.echo("Preview only; run again with --commit to write.")
        return
    try:
        counts = roster.commit(actor, staged, choice=leavers)
    except Invalid as exc:
        roster.discard(actor, staged)
        click.echo(" ".join(m for messages in exc.errors.values() for m in messages) + " (--leavers mark|partial)", err=True)
        sys.exit(1)
    click.echo(f"Written: {counts['new']} new, {counts['updated']} updated, {counts['left']} marked as left.")


@patrons_cli.cli.command("export")
@click.option("--program", "program_id", type=int, required=True, help="Card programme id.")
@click.option("--format", "file_format", type=click.Choice(["koha", "evergreen", "polaris", "generic"]), required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
@click.option("--drive", "drive_id", type=int)
@click.option("--school", "school_id", type=int)
@click.option("--grade", default="")
@click.option("--new-only", is_flag=True, help="Only students not exported before.")
@click.option("--ascii-names/--keep-accents", default=None,
              help="Names in plain ASCII (the default for Evergreen, whose stock loader skips accented lines).")
def export_patrons(program_id, file_format, output: Path, drive_id, school_id, grade, new_only, ascii_names):
    """Write the same patron file as the export page does; rows the ILS would refuse are listed and left out."""
    card_programme = _programme(program_id)
    try:
        prepared = patrons.prepare(card_programme, file_format, patrons.Filters(drive_id, school_id, grade, new_only),
                                   ascii_names=ascii_names)
        check = prepared.check
        for refused in check.refused:
            click.echo(f"Left out: {refused['student']}: {refused['column']}: {refused['reason']}", err=True)
        for column in check.left_out:
            click.echo(f"Column {column['column']} left out: {column['reason']}", err=True)
        made = patrons.deliver(_actor("patron export"), card_programme, prepared)
    except Invalid as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(made.data)
    click.echo(f"{made.rows} patrons written to {output} (SHA-256 {made.sha256}); cards expire on {check.expires}.")


@privacy_cli.cli.command("purge")
def purge():
    """Delete student rows past their data-sharing spec's destruction date (drive counts stay),
    and roster uploads nobody committed within a week."""
    actor = _actor("privacy purge")
    done = privacy.purge(actor)
    dropped = privacy.drop_stale_uploads(actor, datetime.utcnow())
    if dropped:
        click.echo(f"{dropped} roster uploads left uncommitted for over {privacy.STAGED_DAYS} days were dropped.")
    if not done:
        click.echo("No roster is past its destruction date.")
    for item in done:
        click.echo(f"{item['title']}: {item['students']} students deleted (destruction date {item['destruction_date']}).")
