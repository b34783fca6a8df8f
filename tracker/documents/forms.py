from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.agreements.forms import MONTH_CHOICES
from tracker.agreements.models import RENEWALS
from tracker.clauses import variables
from tracker.documents import agreement_terms
from tracker.documents.models import APPROVALS, CAPACITIES, SIGNING_ORDERS
from tracker.forms import IdSelectField, strip


class ActionForm(FlaskForm):
    """A one-button step: only the CSRF token."""


class NewDocumentForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip],
                        description=_l("Leave empty to use the agreement's title."))


class AddClauseForm(FlaskForm):
    clause_id = IdSelectField(_l("Clause from the library"))


class ClauseTextForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip])
    body = TextAreaField(_l("Text"), validators=[Length(max=20000)], render_kw={"rows": 12},
                         description=_l("Changes apply to this document only; the library keeps its text."))


class MoveForm(FlaskForm):
    direction = HiddenField()


class SettingsForm(FlaskForm):
    approvals_needed = SelectMultipleField(_l("Approvals needed before signature"), choices=list(APPROVALS.items()),
                                           validate_choice=False, option_widget=CheckboxInput(),
                                           widget=ListWidget(prefix_label=False))
    signing_order = SelectField(_l("Signatories sign"), choices=list(SIGNING_ORDERS.items()), validate_choice=False)


# One text field per document term, e.g. `term_checkout_limit`.
for _name, _label in variables.TERM_LABELS.items():
    setattr(SettingsForm, f"term_{_name}", StringField(_label, validators=[Length(max=300)], filters=[strip]))


# An amendment's typed changes to the agreement's own terms (agreement_terms.py).
SettingsForm.term_end_date = StringField(agreement_terms.TERMS["end_date"].label, filters=[strip],
                                         render_kw={"type": "date"}, validators=[Length(max=10)],
                                         description=_l("Leave empty for an agreement without an end date."))
SettingsForm.term_renewal = SelectField(agreement_terms.TERMS["renewal"].label, choices=list(RENEWALS.items()),
                                        validate_choice=False)
SettingsForm.term_renewal_months = StringField(agreement_terms.TERMS["renewal_months"].label, filters=[strip],
                                               validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
SettingsForm.term_notice_days = StringField(agreement_terms.TERMS["notice_days"].label, filters=[strip],
                                            validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
SettingsForm.term_window_start = SelectField(agreement_terms.TERMS["window_start"].label, choices=MONTH_CHOICES,
                                             validate_choice=False)
SettingsForm.term_window_end = SelectField(agreement_terms.TERMS["window_end"].label, choices=MONTH_CHOICES,
                                           validate_choice=False)


def term_fields(form) -> list:
    return [getattr(form, f"term_{name}") for name in variables.TERM_DEFAULTS]


def agreement_term_fields(form) -> list:
    """The agreement's own terms, which only an amendment types."""
    return [getattr(form, f"term_{name}") for name in agreement_terms.TERMS]


class ApprovalForm(FlaskForm):
    kind = SelectField(_l("Approval"), validate_choice=False)
    approved_on = DateField(_l("Date"), validators=[Optional()])
    approver = StringField(_l("Approved by"), validators=[Length(max=200)], filters=[strip],
                           description=_l("A person, or the board or council."))
    resolution = StringField(_l("Resolution number"), validators=[Length(max=100)], filters=[strip],
                             description=_l("For a board or council approval."))
    note = TextAreaField(_l("Note"), validators=[Length(max=2000)], filters=[strip], render_kw={"rows": 2})


class SignatoryForm(FlaskForm):
    contact_id = IdSelectField(_l("From the parties' contacts who can sign"),
                               description=_l("Or leave this and type a new signatory in the fields below."))
    name = StringField(_l("Name"), validators=[Length(max=200)], filters=[strip])
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip])
    organisation = StringField(_l("Organisation"), validators=[Length(max=200)], filters=[strip])
    email = StringField(_l("Email"), validators=[Length(max=254)], filters=[strip],
                        description=_l("A user of the app signs from their task list; anyone else gets an emailed link."))
    capacity = SelectField(_l("Capacity"), choices=list(CAPACITIES.items()), validate_choice=False)


class SignForm(FlaskForm):
    consent = BooleanField(_l("I have reviewed the document above and agree to sign it electronically."))
    typed_name = StringField(_l("Type your full name to sign"), validators=[Length(max=200)], filters=[strip])
    drawing = HiddenField()  # filled by the optional signature pad (static/app.js)


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason for declining"), validators=[Length(max=2000)], filters=[strip], render_kw={"rows": 3})


class VerifyForm(FlaskForm):
    reference = StringField(_l("Document id or SHA-256"), validators=[Length(max=100)], filters=[strip])
    file = FileField(_l("Or upload the PDF"))


class BulkForm(FlaskForm):
    template_id = IdSelectField(_l("Template agreement (its MOU is copied)"))
    district_id = IdSelectField(_l("District (one draft per school)"))


class ZipForm(FlaskForm):
    of = SelectField(_l("Agreements of"), validate_choice=False)  # "all", or an organisation's id
