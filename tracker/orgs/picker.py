"""Picking organisations by typing part of a name: a type-ahead in place of a select listing them all.

`attach(field, multiple=...)` turns a form's organisation field (an IdSelectField, or a SelectMultipleField of ids)
into a picker: the organisations already chosen as ticked boxes (or radio buttons), a search box, and the matches
as boxes to tick. With JavaScript, htmx asks `/organisations/pick` for the matches while one types; without it,
the "Find" button sends the form, which comes back (nothing saved: `tracker.forms.submitted` treats "find" as
"not yet") with the matches listed. Either way the ticked boxes are the field's value, and the service still
checks that each id exists.
"""
import re

from flask import render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import select

from tracker.extensions import db
from tracker.fields import INT_MAX
from tracker.orgs import service
from tracker.orgs.models import Organisation

MATCHES = 20  # shown at most; typing more narrows them
NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")  # a field's name or id, as the search request carries it


def label(org: Organisation) -> str:
    above = f", {org.parent.name}" if org.parent is not None else ""
    return f"{org.name} ({org.kind_label}{above})"


def matches(q: str, exclude=frozenset()) -> list[Organisation]:
    q = (q or "").strip()
    if not q:
        return []
    query = service.search(q)
    if exclude:
        query = query.where(Organisation.id.not_in(list(exclude)))
    return list(db.session.scalars(query.limit(MATCHES)))


class PickerWidget:
    """Renders the picker in place of a select (the form's field macro gives it its label and errors)."""

    def __init__(self, multiple: bool, optional: bool, exclude=frozenset()):
        self.multiple, self.optional, self.exclude = multiple, optional, frozenset(exclude)

    def __call__(self, field, **kwargs) -> Markup:
        chosen = _chosen_ids(field)
        q = request.values.get(f"{field.name}-q", "") if request else ""
        found = [o for o in matches(q, self.exclude) if o.id not in chosen] if request.values.get("find") == field.name else []
        organisations = _organisations(chosen)
        return Markup(render_template(
            "orgs/_picker.html", field=field, chosen=organisations, multiple=self.multiple, optional=self.optional,
            q=q, matches=found, searched=request.values.get("find") == field.name,
            search_url=url_for("orgs.pick", name=field.name, id=field.id, multiple=int(self.multiple),
                               exclude=",".join(map(str, sorted(self.exclude)))),
            described=kwargs.get("aria-describedby", ""), invalid=kwargs.get("aria-invalid"), picker_label=label))


def attach(field, multiple: bool = False, optional: bool = False, exclude=frozenset()) -> None:
    field.widget = PickerWidget(multiple, optional, exclude)


def _chosen_ids(field) -> list[int]:
    data = field.data
    values = data if isinstance(data, (list, tuple)) else [data]
    return [v for v in values if isinstance(v, int) and 0 < v <= INT_MAX]  # an id no column holds is no one's


def _organisations(ids: list[int]) -> list[Organisation]:
    if not ids:
        return []
    found = {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def search_args() -> dict | None:
    """The type-ahead request's parameters, or None when they are not a field's (a hand-made URL)."""
    name, field_id = request.args.get("name", ""), request.args.get("id", "")
    if not (NAME.match(name) and NAME.match(field_id)):
        return None
    exclude = {int(v) for v in request.args.get("exclude", "").split(",") if v.isdigit() and len(v) < 11 and int(v) <= INT_MAX}
    chosen = {int(v) for v in request.args.getlist(name) if v.isdigit()}
    return dict(name=name, id=field_id, multiple=request.args.get("multiple") == "1",
                q=request.args.get(f"{name}-q", ""), exclude=exclude | chosen)
