from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.agreements.models import KINDS
from tracker.clauses.models import CATEGORIES
from tracker.forms import strip


class ClauseForm(FlaskForm):
    category = SelectField(_l("Category"), choices=list(CATEGORIES.items()), validate_choice=False)
    title = StringField(_l("Title"), validators=[Length(max=200)], filters=[strip])
    body = TextAreaField(_l("Text"), validators=[Length(max=20000)], render_kw={"rows": 10},
                         description=_l("Variables go between {{ and }}, e.g. {{ agreement.end_date }}; the list is below."))
    kinds = SelectMultipleField(_l("Included by default in new documents of"), choices=list(KINDS.items()),
                                validate_choice=False, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))
    active = BooleanField(_l("In use (offered for new documents)"), default=True)

    def clause_data(self) -> dict:
        return {"category": self.category.data, "title": self.title.data or "", "body": self.body.data or "",
                "default_kinds": ",".join(self.kinds.data or []), "active": bool(self.active.data)}
