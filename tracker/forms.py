"""Field helpers shared by every domain's forms, list search forms, and the one flow of a submitted form."""
from typing import Callable, NamedTuple

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField

from tracker.extensions import db
from tracker.validation import Conflict, Invalid, apply_errors


def optional_int(value):
    """Coerce a select's value to int, with "" meaning none."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the service reports it as unknown


class IdSelectField(SelectField):
    """A select of database ids; the service, not the field, says whether the id exists."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)


def form_data(form, fields) -> dict:
    return {name: getattr(form, name).data for name in fields if hasattr(form, name)}


def strip(value):
    return value.strip() if isinstance(value, str) else value


class Outcome(NamedTuple):
    """What became of a submitted form: 200 shown (not submitted), 422 refused with errors in place,
    409 someone saved first (`conflict` lists what they changed), 303 saved (`result` is what save returned)."""

    status: int
    result: object = None
    conflict: list | None = None

    @property
    def saved(self) -> bool:
        return self.status == 303


def submitted(form, save: Callable[[], object], show_errors: Callable[[object, Invalid], None] = apply_errors) -> Outcome:
    """The one form flow: on POST, validate, then call the service through `save()`; its `Invalid`
    puts the messages next to the fields, its `Conflict` is reported; nothing is half-written.
    A page that shows the service's messages elsewhere (at the page's top, next to inputs that are not
    form fields) passes `show_errors(form, invalid)` to put them there."""
    if request.method != "POST" or request.form.get("find"):  # "Find" of an organisation picker: matches, no save
        return Outcome(200)
    if not form.validate_on_submit():
        return Outcome(422)
    try:
        result = save()
    except Invalid as exc:
        db.session.rollback()
        show_errors(form, exc)
        return Outcome(422)
    except Conflict as exc:
        db.session.rollback()
        return Outcome(409, conflict=exc.changes)
    return Outcome(303, result)


def refusal(form, incomplete: str | None = None) -> list[str]:
    """Why a one-button POST (a form of only its CSRF token) was refused, as messages to show: the service's
    (`submitted` put them in `form.form_errors`, as no field is named), or, when the form itself failed
    (a stale page), `incomplete`: by default, that it was incomplete."""
    return list(form.form_errors) or [incomplete or _("The form was incomplete; reload the page.")]


def int_or_none(value):
    """A query-string number: anything that is not one counts as not given."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def one_of(choices, default=""):
    """A filter keeping a value only if it is one of `choices` (else `default`)."""
    return lambda value: value if value in choices else default


def order_fields(sorts, default: str, direction: str = "asc") -> tuple[HiddenField, HiddenField]:
    """A list's `sort` (one of `sorts`) and `dir` ("asc" or "desc") fields, with their defaults."""
    return (HiddenField(default=default, filters=[one_of(sorts, default)]),
            HiddenField(default=direction, filters=[one_of(("asc", "desc"), direction)]))


class ListSearchForm(FlaskForm):
    """A list page's filters and order, parsed once from the query string, as microblog's search form:
    `XSearchForm(formdata=request.args, meta={"csrf": False})`. Nothing in it is ever an error: a value that means
    nothing here (a stale bookmark, a hand-edited URL) counts as not given, and the list shows.
    Subclasses declare their filters and `sort, dir = order_fields(...)`."""

    @property
    def order_given(self) -> bool:
        """Did the URL choose the order (a column header was clicked), rather than leave the default?"""
        return bool(self.sort.raw_data)
