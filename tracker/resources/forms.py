from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from tracker.forms import IdSelectField, strip
from tracker.resources.models import KINDS, PERIODS
from tracker.resources.service import FIELDS


def to_cents(text: str | None) -> int | None:
    """"1,250.50" or "$1250.5" -> 125050; blank -> None; anything else raises ValueError."""
    text = (text or "").strip().replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(text)
    return int(amount * 100)


class MoneyField(StringField):
    """An amount in dollars and cents, kept as integer cents in `cents`."""

    def pre_validate(self, form):
        try:
            self.cents = to_cents(self.data)
        except ValueError:
            self.cents = None
            raise ValidationError(_l("Give an amount like 1250 or 1,250.00.")) from None


class ResourceForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=list(KINDS.items()))
    provider_id = IdSelectField(_l("Provided by"))
    recipient_id = IdSelectField(_l("Received by"))
    description = TextAreaField(_l("Description"), validators=[Length(max=2000)], filters=[strip])
    quantity = IntegerField(_l("Quantity"), validators=[Optional()])
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
