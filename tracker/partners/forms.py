from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, FieldList, Form, FormField, HiddenField, IntegerField, RadioField, SelectField,
                     StringField)
from wtforms.validators import Length, ValidationError
from wtforms.widgets import HiddenInput

from tracker.forms import IdSelectField, real_email, strip
from tracker.orgs.models import CONTACT_ROLES
from tracker.partners.models import DETAIL_FIELDS

ROLE_CHOICES = [(k, v) for k, v in CONTACT_ROLES.items()]


class ContactFields(Form):
    """A contact's fields as a partner corrects them."""

    name = StringField(_l("Name"), validators=[Length(max=200)], filters=[strip])
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    email = EmailField(_l("Email"), validators=[Length(max=254), real_email], filters=[strip])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], filters=[strip])
    can_sign = BooleanField(_l("Can sign agreements"))


class ContactRow(ContactFields):
    id = IntegerField(widget=HiddenInput())
    remove = BooleanField(_l("No longer a contact: remove"))

    def validate_name(self, field):
        if not field.data and not self.remove.data:
            raise ValidationError(_l("Give the contact's name, or tick “remove”."))


class NewContact(ContactFields):
    """Someone to add: left without a name, nobody is added."""

    def validate_email(self, field):
        if field.data and not self.name.data:
            raise ValidationError(_l("Give the new contact's name too."))


MORE_CONTACTS = 20  # new contacts one proposal may add


class CorrectionsForm(FlaskForm):
    name = StringField(DETAIL_FIELDS["name"], validators=[Length(max=200)], filters=[strip])
    street = StringField(DETAIL_FIELDS["street"], validators=[Length(max=200)], filters=[strip])
    city = StringField(DETAIL_FIELDS["city"], validators=[Length(max=100)], filters=[strip])
    region = StringField(DETAIL_FIELDS["region"], validators=[Length(max=50)], filters=[strip])
    postal_code = StringField(DETAIL_FIELDS["postal_code"], validators=[Length(max=20)], filters=[strip])
    contacts = FieldList(FormField(ContactRow), max_entries=200)
    new_contacts = FieldList(FormField(NewContact), label=_l("Add a contact"), min_entries=1, max_entries=MORE_CONTACTS)

    def validate_name(self, field):
        if not field.data:
            raise ValidationError(_l("The organisation needs a name."))


class ConfirmForm(FlaskForm):
    """“Everything is correct”: a button and its CSRF token."""


class SendLinkForm(FlaskForm):
    contact_id = IdSelectField(_l("Contact"), only_offered=True,
                               description=_l("They get an email with a link to confirm or correct these details and "
                                              "contacts, without an account."))

    def set_choices(self, contacts):
        self.contact_id.choices = [(c.id, f"{c.name} <{c.email}>") for c in contacts if c.email]


DECISIONS = [("accept", _l("Accept")), ("reject", _l("Reject")), ("", _l("Decide later"))]


def decision_form(proposal):
    """A form with one accept / reject / later choice per waiting item of the proposal (`item_<id>`)."""

    class DecisionForm(FlaskForm):
        pass

    for item in proposal.waiting:
        setattr(DecisionForm, f"item_{item.id}", RadioField(item.label, choices=DECISIONS, default=""))
        # the value now, as a conflict answer showed it: sent again, it accepts over a change knowingly
        setattr(DecisionForm, f"seen_{item.id}", HiddenField(default=""))
    return DecisionForm()
