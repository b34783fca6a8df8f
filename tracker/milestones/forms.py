from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker.forms import IdSelectField, strip
from tracker.milestones.models import COMMUNICATION_KINDS, STATUSES


class MilestoneForm(FlaskForm):
    title = StringField(_l("What is owed"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    party_id = IdSelectField(_l("Owed by (party)"))
    owner_user_id = IdSelectField(_l("Owner (user)"))
    owner_contact_id = IdSelectField(_l("Owner (contact)"), description=_l("A user or a contact, not both."))
    due_date = DateField(_l("Due"), validators=[DataRequired(_l("Give the due date."))])
    status = SelectField(_l("Status"), choices=list(STATUSES.items()), default="planned")
    done_date = DateField(_l("Done on"), validators=[Optional()], description=_l("Today when left blank and marked done."))
    evidence = TextAreaField(_l("Evidence"), validators=[Length(max=2000)], filters=[strip],
                             description=_l("A note or a link showing it was done."))


class TemplateForm(FlaskForm):
    template = SelectField(_l("Timeline template"))


class FollowUpFields(FlaskForm):
    class Meta:
        csrf = False  # nested in a form that has its own token

    title = StringField(_l("Follow-up"), validators=[Length(max=300)], filters=[strip])
    due_date = DateField(_l("Due"), validators=[Optional()])
    owner_user_id = IdSelectField(_l("Owner"))


class CommunicationForm(FlaskForm):
    kind = SelectField(_l("What"), choices=list(COMMUNICATION_KINDS.items()))
    held_on = DateField(_l("Date"), validators=[DataRequired(_l("Give the date."))])
    attendees = TextAreaField(_l("Attendees"), validators=[Length(max=2000)], filters=[strip])
    summary = TextAreaField(_l("Summary"), validators=[DataRequired(), Length(max=10000)], filters=[strip])
    follow_ups = FieldList(FormField(FollowUpFields), label=_l("Follow-ups (each becomes a milestone)"), min_entries=3, max_entries=10)

    def follow_up_data(self) -> list[dict]:
        return [entry.data for entry in self.follow_ups if entry.title.data]
