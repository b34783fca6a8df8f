from flask_babel import lazy_gettext as _l
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import Optional

from tracker.audit.log import KINDS
from tracker.forms import IdSelectField, ListSearchForm, one_of, strip


class AuditSearchForm(ListSearchForm):
    """The audit page's filters, bound to the query string."""

    who = IdSelectField(_l("Who"), id="audit-who")
    kind = SelectField(_l("Kind of action"), id="audit-kind",
                       choices=[("", _l("Every kind")), *((k, label) for k, (label, _prefixes) in KINDS.items())],
                       filters=[one_of(KINDS)])
    # Typed, not chosen: a statewide log speaks of 10,000 agreements and thousands of organisations, more than a
    # list can hold (their options cost 0.2 s a page) or anyone can scroll.
    agreement = SearchField(_l("Agreement"), id="audit-agreement", description=_l("Words of its title"), filters=[strip],
                            render_kw={"autocomplete": "off", "maxlength": 200})
    organisation = SearchField(_l("Organisation"), id="audit-organisation", description=_l("Words of its name"),
                               filters=[strip], render_kw={"autocomplete": "off", "maxlength": 200})
    since = DateField(_l("From"), id="audit-since", validators=[Optional()])
    until = DateField(_l("To"), id="audit-until", validators=[Optional()])

    def set_choices(self, users) -> None:
        """The accounts to choose from, as (id, name) rows."""
        self.who.choices = [("", _l("Anyone"))] + [tuple(u) for u in users]

    @staticmethod
    def typed(field) -> str:
        """A typed filter's words: its first 200 characters (no title or name is longer)."""
        return (field.data or "")[:200]

    def chosen(self, field) -> int | None:
        value = field.data
        return value if isinstance(value, int) and value > 0 else None
