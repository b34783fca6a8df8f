from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from tracker.fields import MoneyField, between
from tracker.forms import IdSelectField, strip
from tracker.resources.models import KINDS, PERIODS
from tracker.resources.service import FIELDS


class ResourceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    provider_id = IdSelectField(_l("Provided by"))
    recipient_id = IdSelectField(_l("Received by"))
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)], filters=[strip])
    quantity = IntegerField(_l("Quantity"), validators=[Optional(), between(0, 1_000_000)])
    unit = StringField(_l("Unit"), validators=[Length(max=50)], filters=[strip], description=_l("e.g. licences, visits, hours"))
    schedule = StringField(_l("Schedule"), validators=[Length(max=200)], filters=[strip], description=_l("e.g. weekly on Tuesdays"))
    value = MoneyField(_l("In-kind value ($)"), description=_l("What it is worth per period, in dollars."))
    period = SelectField(_l("Per"), choices=list(PERIODS.items()), default="year")
    start_date = DateField(_l("Start"), validators=[Optional()])
    end_date = DateField(_l("End"), validators=[Optional()])

    def data_for_service(self) -> dict:
        data = {name: getattr(self, name).data for name in FIELDS if hasattr(self, name)}
        data["value_cents"] = getattr(self.value, "cents", None) or 0
        return data
