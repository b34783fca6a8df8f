from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from tracker.forms import strip


class RoundForm(FlaskForm):
    title = StringField(_l("Round"), validators=[DataRequired(), Length(max=100)], filters=[strip],
                        description=_l("e.g. Spring 2027"))
    opens_on = DateField(_l("Opens"), validators=[DataRequired(_l("Give the date the round opens."))])
    closes_on = DateField(_l("Closes"), validators=[Optional()])


class AnswerForm(FlaskForm):
    """Only the CSRF token: the 1-5 answers are radio groups named after the items, checked by the service."""
