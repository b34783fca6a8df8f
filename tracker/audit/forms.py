from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from tracker.audit.log import KINDS
from tracker.forms import IdSelectField, ListSearchForm, one_of


class AuditSearchForm(ListSearchForm):
    """The audit page's filters, bound to the query string."""

    who = IdSelectField(_l("Who"), id="audit-who")
    kind = SelectField(_l("Kind of action"), id="audit-kind",
                       choices=[("", _l("Every kind")), *((k, label) for k, (label, _prefixes) in KINDS.items())],
                       filters=[one_of(KINDS)])
    agreement = IdSelectField(_l("Agreement"), id="audit-agreement")
    organisation = IdSelectField(_l("Organisation"), id="audit-organisation")
    since = DateField(_l("From"), id="audit-since", validators=[Optional()])
    until = DateField(_l("To"), id="audit-until", validators=[Optional()])

    def set_choices(self, users, agreements, organisations) -> None:
        self.who.choices = [("", _l("Anyone"))] + [(u.id, u.name) for u in users]
        self.agreement.choices = [("", _l("Any agreement"))] + [(a.id, a.title) for a in agreements]
        self.organisation.choices = [("", _l("Any organisation"))] + [(o.id, o.name) for o in organisations]

    def chosen(self, field) -> int | None:
        value = field.data
        return value if isinstance(value, int) and value > 0 else None
