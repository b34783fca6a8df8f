"""Field helpers shared by every domain's forms, list search forms, and the one flow of a submitted form."""
from typing import Callable, NamedTuple

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import FieldList, FormField, HiddenField, SelectField
from wtforms.widgets import Select
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError

from tracker.auth.accounts import is_real_email
from tracker.extensions import db
from tracker.fields import checks_for, database_id, given_or_none
from tracker.validation import Conflict, Invalid, apply_errors


def _render_field(meta, field, render_kw):
    """Every form's CSRF token renders without an id: a page has many forms, and an id must be unique."""
    if field.type == "CSRFTokenField":
        render_kw = {"id": False, **render_kw}
    return DefaultMeta.render_field(meta, field, render_kw)


FlaskForm.Meta.render_field = _render_field


class _Select(Select):
    """WTForms' select, with the plain option (no attributes of its own) written directly: the same HTML as
    `html_params` gives, at about a tenth of the cost (500 options: 1.7 ms against 21.6 ms). A list's organisation
    filter has hundreds of options, which were half the CPU time of an admin's agreements page (docs/performance.md)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        return Markup(f'<option {"selected " if choice.selected else ""}value="{escape(value)}">{label}</option>')


SelectField.widget = _Select()


def optional_int(value):
    """Coerce a select's value to an id, with "" meaning none."""
    if value in (None, "", "None"):
        return None
    try:
        return database_id(value)
    except (TypeError, ValueError):
        return -1  # never a real id: the field refuses it


class IdSelectField(SelectField):
    """A select of database ids. An id no column could hold, or that is not a number, is -1 (never a real id).
    Whether the id exists and may be used is the service's to say, with its own message, unless the field is
    `only_offered`: then an id that is not one of the choices the view offered (nor the object's own value) is
    "Choose one of the list." beside the field, for references no service checks."""

    def __init__(self, *args, only_offered: bool = False, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)
        self.only_offered = only_offered

    def pre_validate(self, form):
        if not self.only_offered or self.data is None or self.choices is None or self.data == self.object_data:
            return
        if self.data not in {optional_int(value) for value, *_label in self.iter_choices()}:
            raise ValidationError(_l("Choose one of the list."))


def form_data(form, fields) -> dict:
    return {name: getattr(form, name).data for name in fields if hasattr(form, name)}


def real_email(form, field) -> None:
    """The one check of a typed email address, the accounts' own (tracker.auth.accounts.normal_email): a real
    address, subdomains and the `.test` domain accepted, no DNS lookup. Empty passes (DataRequired says when one is
    needed)."""
    if field.data and not is_real_email(field.data):
        raise ValidationError(_l("Give an email address such as name@school.org."))


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
    checked_at_the_edge(form)
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


def checked_at_the_edge(form) -> None:
    """Give every field, nested ones too, the checks of its type (tracker/fields.py): no control characters in
    text, whole numbers the database holds. Forms declare only what is particular to each field."""
    for field in fields_of(form):
        field.validators = [*field.validators, *(c for c in checks_for(field) if c not in field.validators)]


def fields_of(form):
    """Every field a person fills in, nested forms' fields too (`parties-0-organisation_id`)."""
    for field in form:
        if isinstance(field, FormField):
            yield from fields_of(field.form)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                yield from (fields_of(entry.form) if isinstance(entry, FormField) else (entry,))
        else:
            yield field


def refusal(form, incomplete: str | None = None) -> list[str]:
    """Why a one-button POST (a form of only its CSRF token) was refused, as messages to show: the service's
    (`submitted` put them in `form.form_errors`, as no field is named), or, when the form itself failed
    (a stale page), `incomplete`: by default, that it was incomplete."""
    return list(form.form_errors) or [incomplete or _("The form was incomplete; reload the page.")]


def int_or_none(value):
    """A query-string number (an id, a number of days, a year): anything that is not one, or that no
    database column could hold, counts as not given."""
    try:
        return database_id(value)
    except (TypeError, ValueError):
        return None


def one_of(choices, default=""):
    """A filter keeping a value only if it is one of `choices` (else `default`)."""
    return lambda value: value if value in choices else default


def order_fields(sorts, default: str, direction: str = "asc") -> tuple[HiddenField, HiddenField]:
    """A list's `sort` (one of `sorts`) and `dir` ("asc" or "desc") fields, with their defaults."""
    return (HiddenField(default=default, filters=[one_of(sorts, default)]),
            HiddenField(default=direction, filters=[one_of(("asc", "desc"), direction)]))


class QueryForm(FlaskForm):
    """Filters parsed from the query string: nothing in it is ever an error, and text holding a control character
    (a NUL, say) counts as not given, so it never reaches a query."""

    class Meta:
        csrf = False

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.filters = (*field.filters, given_or_none)
            return field


class ListSearchForm(QueryForm):
    """A list page's filters and order, parsed once from the query string, as microblog's search form:
    `XSearchForm(formdata=request.args, meta={"csrf": False})`. Nothing in it is ever an error: a value that means
    nothing here (a stale bookmark, a hand-edited URL) counts as not given, and the list shows.
    Subclasses declare their filters and `sort, dir = order_fields(...)`."""

    @property
    def order_given(self) -> bool:
        """Did the URL choose the order (a column header was clicked), rather than leave the default?"""
        return bool(self.sort.raw_data)
