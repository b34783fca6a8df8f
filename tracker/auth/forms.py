from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SearchField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.auth.accounts import SORTS
from tracker.auth.permissions import ROLES
from tracker.forms import ListSearchForm, one_of, order_fields, strip


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class AccountForm(FlaskForm):
    """An admin adds or edits an account."""

    name = StringField(_l("Name"), validators=[Length(max=200)], filters=[strip])
    email = EmailField(_l("Email"), validators=[Length(max=254)], filters=[strip])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLES.items()])
    organisation_ids = SelectMultipleField(_l("Works for"), coerce=int, validate_choice=False,
                                           description=_l("The person acts for these organisations and those below them. Admins work for all."))
    active = BooleanField(_l("May sign in"), default=True)
    password = PasswordField(_l("First password"), validators=[Optional(), Length(max=200)],
                             description=_l("At least 12 characters. Give it to the person; they can sign in with it at once."))

    FIELDS = ("name", "email", "role", "organisation_ids", "active", "password")

    def set_choices(self, organisations):
        self.organisation_ids.choices = [(o.id, f"{o.name} ({o.kind_label})") for o in organisations]


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 12 characters."))


class AccountSearchForm(ListSearchForm):
    STATUSES = {"active": _l("May sign in"), "inactive": _l("Deactivated")}

    q = SearchField(_l("Search name or email"), id="user-q")
    role = SelectField(_l("Role"), id="user-role", choices=[("", _l("All roles")), *ROLES.items()], filters=[one_of(ROLES)])
    status = SelectField(_l("Status"), id="user-status", choices=[("", _l("Everyone")), *STATUSES.items()],
                         filters=[one_of(STATUSES)])
    sort, dir = order_fields(SORTS, "name")
