from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker import clock, languages
from tracker.forms import IdSelectField, ListSearchForm, one_of, order_fields, real_email, strip
from tracker.orgs.models import CONTACT_ROLES, KINDS
from tracker.orgs.service import SORTS

TIME_ZONES = sorted(z for z in available_timezones() if z.startswith(("America/", "Pacific/", "Europe/", "UTC")))


def iana_zone(form, field) -> None:
    """Any IANA time-zone name is taken, listed or not; anything else is refused in words."""
    if not clock.is_zone(field.data):
        raise ValidationError(_l("Choose a time zone by its IANA name, such as America/Los_Angeles."))


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    kind = SelectField(_l("Kind"), choices=[(k, v) for k, v in KINDS.items()])
    parent_id = IdSelectField(_l("Part of"), description=_l("A branch belongs to a library system, a school to a district."))
    home_branch_id = IdSelectField(_l("Home branch"), description=_l("Schools only: the branch that serves the school."))
    state_id = StringField(_l("State id"), validators=[Optional(), Length(max=50)], filters=[strip])
    sourced_id = StringField(_l("OneRoster sourcedId"), validators=[Optional(), Length(max=100)], filters=[strip])
    ils_branch_code = StringField(_l("ILS branch code"), validators=[Optional(), Length(max=30)], filters=[strip])
    street = StringField(_l("Street"), validators=[Length(max=200)], filters=[strip])
    city = StringField(_l("City"), validators=[Length(max=100)], filters=[strip])
    region = StringField(_l("State"), validators=[Length(max=50)], filters=[strip])
    postal_code = StringField(_l("Postal code"), validators=[Length(max=20)], filters=[strip])
    time_zone = SelectField(_l("Time zone"), choices=[(z, z) for z in TIME_ZONES], default="America/New_York",
                            validate_choice=False, validators=[iana_zone])
    language = SelectField(_l("Language of documents"), choices=languages.options, default="en",
                           description=_l("MOUs whose library party this is are printed in this language and time zone."))
    last_confirmed = DateField(_l("Details last confirmed"), validators=[Optional()])

    FIELDS = (
        "name", "kind", "parent_id", "home_branch_id", "state_id", "sourced_id", "ils_branch_code",
        "street", "city", "region", "postal_code", "time_zone", "language", "last_confirmed",
    )

    def set_choices(self, parents, branches):
        none = [("", _l("— none —"))]
        self.parent_id.choices = none + [(o.id, f"{o.name} ({o.kind_label})") for o in parents]
        self.home_branch_id.choices = none + [(o.id, o.name) for o in branches]
        if self.time_zone.data and self.time_zone.data not in TIME_ZONES and clock.is_zone(self.time_zone.data):
            self.time_zone.choices = sorted([*self.time_zone.choices, (self.time_zone.data, self.time_zone.data)])


class LogoForm(FlaskForm):
    logo = FileField(_l("PNG or SVG file"), description=_l("At most 512 KB and 2000 × 2000 pixels. It heads the MOUs this organisation is party to."))


class ContactForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in CONTACT_ROLES.items()])
    email = EmailField(_l("Email"), validators=[Length(max=254), real_email], filters=[strip])
    phone = StringField(_l("Phone"), validators=[Length(max=40)], filters=[strip])
    can_sign = BooleanField(_l("Can sign agreements"))

    FIELDS = ("name", "title", "role", "email", "phone", "can_sign")


class OrganisationSearchForm(ListSearchForm):
    q = SearchField(_l("Search name, code or city"), id="org-q")
    kind = SelectField(_l("Kind"), id="org-kind", choices=[("", _l("All kinds")), *KINDS.items()], filters=[one_of(KINDS)])
    sort, dir = order_fields(SORTS, "name")
