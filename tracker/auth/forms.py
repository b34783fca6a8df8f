from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, HiddenField, PasswordField, SearchField, SelectField, SelectMultipleField,
                     StringField)
from wtforms.validators import DataRequired, EqualTo, Length

from tracker import languages
from tracker.auth.accounts import SORTS
from tracker.auth.permissions import ROLES, VIEWER
from tracker.forms import ListSearchForm, one_of, order_fields, strip


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class AccountForm(FlaskForm):
    """An admin adds or edits an account."""

    name = StringField(_l("Name"), validators=[Length(max=200)], filters=[strip])
    email = EmailField(_l("Email"), validators=[Length(max=254)], filters=[strip])
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLES.items()], default=VIEWER,
                       description=_l("Viewers read; give more only to those who need it."))
    organisation_ids = SelectMultipleField(_l("Works for"), coerce=int, validate_choice=False,
                                           description=_l("The person acts for these organisations and those below them. Admins work for all. "
                                                       "Type part of a name, then tick the organisation."))
    active = BooleanField(_l("May sign in"), default=True)
    language = SelectField(_l("Language"), choices=lambda: [("", _l("The language their browser asks for")),
                                                           *languages.options()], default="",
                           validate_choice=False,  # accounts checks it (none chosen, None, is the browser's)
                           description=_l("Their invitation and emails are in this language; they can change it on "
                                          "their profile."))

    FIELDS = ("name", "email", "role", "organisation_ids", "active", "language")


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 12 characters."))


class ChangePasswordForm(FlaskForm):
    """Someone changes their own password on /profile."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                                 description=_l("At least 12 characters. Every other browser where you are signed in is signed out."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)], filters=[strip])


class SetPasswordForm(FlaskForm):
    """The holder of an invitation or reset link chooses a password."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=200)],
                             description=_l("At least 12 characters."))
    confirm = PasswordField(_l("The same password again"), validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class AccountSearchForm(ListSearchForm):
    STATUSES = {"active": _l("May sign in"), "inactive": _l("Deactivated")}

    q = SearchField(_l("Search name or email"), id="user-q")
    role = SelectField(_l("Role"), id="user-role", choices=[("", _l("All roles")), *ROLES.items()], filters=[one_of(ROLES)])
    status = SelectField(_l("Status"), id="user-status", choices=[("", _l("Everyone")), *STATUSES.items()],
                         filters=[one_of(STATUSES)])
    sort, dir = order_fields(SORTS, "name")


class LanguageForm(FlaskForm):
    """The language one reads the app in: the footer's buttons (any visitor) and /profile (with "your browser's")."""
    language = SelectField(_l("Language"), choices=lambda: [("", _l("The language your browser asks for")),
                                                           *languages.options()], validate_choice=False)  # accounts checks it
    next = HiddenField()
