from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from tracker.forms import strip


class CodeForm(FlaskForm):
    code = StringField(_l("Family code"), validators=[Length(max=40)], filters=[strip],
                       description=_l("The 12 letters and digits on your letter, for example 7KQ2-XM9D-4TRB."),
                       render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                                  "inputmode": "text"})


class AnswerForm(FlaskForm):
    """The family's choice: one submit button per answer the consent model offers (its name is `choice`)."""

    code = HiddenField()
