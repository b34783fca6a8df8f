from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, FieldList, FormField, HiddenField, IntegerField, SearchField, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tracker.agreements.models import COLLABORATION_LEVELS, KINDS, MONTHS, PARTY_ROLES, RENEWALS, TERM_KINDS
from tracker.agreements.service import SORTS
from tracker.agreements.workflow import STATUSES
from tracker.forms import IdSelectField, ListSearchForm, int_or_none, one_of, order_fields, strip

MONTH_CHOICES = [("", _l("— none —"))] + [(m, v) for m, v in MONTHS.items()]


class Versioned(FlaskForm):
    """A form that edits an agreement carries the version it was read at."""

    version = HiddenField(validators=[InputRequired()])

    def read_version(self) -> int:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return -1


class SummaryFields:
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    purpose = TextAreaField(_l("Purpose"), validators=[Length(max=5000)], filters=[strip])
    collaboration_level = SelectField(_l("Collaboration level"), choices=list(COLLABORATION_LEVELS.items()),
                                      description=_l("Networking → coordinating → cooperating → collaborating → integrated services."))
    manager_id = IdSelectField(_l("Manager"), only_offered=True)


class TermFields:
    term_kind = SelectField(_l("Term"), choices=list(TERM_KINDS.items()))
    effective_date = DateField(_l("Effective date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    renewal = SelectField(_l("Renewal"), choices=list(RENEWALS.items()))
    renewal_months = IntegerField(_l("Renewal length (months)"), validators=[Optional(), NumberRange(1, 120)])
    notice_days = IntegerField(_l("Termination notice (days)"), validators=[Optional(), NumberRange(0, 3650)])
    modification_window_start = IdSelectField(_l("Modification window opens"), choices=MONTH_CHOICES)
    modification_window_end = IdSelectField(_l("Modification window closes"), choices=MONTH_CHOICES)


class SummaryForm(Versioned, SummaryFields):
    pass


class TermForm(Versioned, TermFields):
    pass


class PartyFields(FlaskForm):
    class Meta:
        csrf = False  # nested in a form that has its own token

    organisation_id = IdSelectField(_l("Organisation"))
    role = SelectField(_l("Role"), choices=list(PARTY_ROLES.items()), default="partner")
    contributes = TextAreaField(_l("Contributes"), validators=[Length(max=2000)], filters=[strip])
    receives = TextAreaField(_l("Receives"), validators=[Length(max=2000)], filters=[strip])


class PartyForm(Versioned):
    organisation_id = IdSelectField(_l("Organisation"), validators=[DataRequired(_l("Choose an organisation."))])
    role = SelectField(_l("Role"), choices=list(PARTY_ROLES.items()), default="partner")
    contributes = TextAreaField(_l("Contributes"), validators=[Length(max=2000)], filters=[strip])
    receives = TextAreaField(_l("Receives"), validators=[Length(max=2000)], filters=[strip])


class NewAgreementForm(FlaskForm, SummaryFields, TermFields):
    parties = FieldList(FormField(PartyFields), min_entries=3, max_entries=8)

    def party_data(self) -> list[dict]:
        return [entry.data for entry in self.parties if entry.organisation_id.data]


class GoalForm(Versioned):
    statement = StringField(_l("Goal"), validators=[DataRequired(), Length(max=500)], filters=[strip])
    measure = StringField(_l("Measured by"), validators=[Length(max=300)], filters=[strip])
    target = StringField(_l("Target"), validators=[Length(max=100)], filters=[strip])
    due_date = DateField(_l("By"), validators=[Optional()])
    progress = IntegerField(_l("Progress (%)"), default=0, validators=[Optional(), NumberRange(0, 100)])


class StepForm(Versioned):
    """A status transition or a removal: only the version and the CSRF token."""


class AgreementSearchForm(ListSearchForm):
    """The agreements list's filters (`org`: its choices are the view's)."""

    q = SearchField(_l("Search title or party"), id="agreement-q", render_kw={"autocomplete": "off"})
    status = SelectField(_l("Status"), id="agreement-status", choices=[("", _l("Any status")), *STATUSES.items()],
                         filters=[one_of(STATUSES)])
    kind = SelectField(_l("Kind"), id="agreement-kind", choices=[("", _l("Any kind")), *KINDS.items()], filters=[one_of(KINDS)])
    org = SelectField(_l("Organisation"), id="agreement-org", coerce=int_or_none, validate_choice=False)
    expiring = SelectField(_l("Ending within"), id="agreement-expiring", coerce=int_or_none, validate_choice=False,
                           choices=[("", _l("Any time"))] + [(days, _l("%(n)s days", n=days)) for days in (30, 60, 90, 180, 365)])
    sort, dir = order_fields(SORTS, "updated", "desc")
