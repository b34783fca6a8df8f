"""What every field of a form, every query parameter and every URL id must be before it reaches a service.

The base form (`tracker.forms.Form`) gives each field the checks of its type, so no form repeats them:
text holds no NUL or other control character (tab and line breaks only where the field has several lines),
a whole number fits the database's integer column, a choice holds no control character either. A form
narrows them per field (`NumberRange`, `Length` matching the column); `IdSelectField` refuses an id that is
not one of the choices the view offered the user. URL ids go through `DatabaseId` (tracker/site/converters.py).
"""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectFieldBase, StringField, TextAreaField
from wtforms.validators import NumberRange, ValidationError

INT_MIN, INT_MAX = -2**31, 2**31 - 1  # what an INTEGER column holds, on SQLite and PostgreSQL alike
MAX_CENTS = 10_000_000_00  # an amount of money: up to ten million dollars
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")  # C0, DEL, C1, lone surrogates, non-characters
CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")  # tab, \n and \r allowed


def database_id(value) -> int:
    """A whole number an id column can hold, from a form or a query string; ValueError for anything else."""
    number = int(str(value).strip()) if len(str(value)) <= 12 else None
    if number is None or not 0 <= number <= INT_MAX:
        raise ValueError(value)
    return number


def page_number(value) -> int:
    """A list's page number from the query string: 1 unless it is a whole number the database can offset by."""
    try:
        return max(1, min(database_id(value), 10**6))
    except (TypeError, ValueError):
        return 1


def has_control(text: str, lines: bool = False) -> bool:
    return bool((CONTROL_IN_LINES if lines else CONTROL).search(text))


def plain_text(form, field) -> None:
    """Text a person could type: no NUL, no control character (a multi-line field keeps tabs and line breaks)."""
    values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
    lines = isinstance(field, TextAreaField)
    if any(isinstance(v, str) and has_control(v, lines) for v in values):
        raise ValidationError(_l("Remove the control characters (such as NUL) from this text."))


def whole_number(form, field) -> None:
    """A number the database can store; each form narrows it to what makes sense for its field."""
    if isinstance(field.data, int) and not INT_MIN <= field.data <= INT_MAX:
        raise ValidationError(_l("Give a number between %(low)s and %(high)s.", low=f"{INT_MIN:,}", high=f"{INT_MAX:,}"))


def between(low: int, high: int) -> NumberRange:
    """A whole number's bounds for one field, said the same way on every form."""
    return NumberRange(low, high, message=_l("Give a number from %(low)s to %(high)s.", low=f"{low:,}", high=f"{high:,}"))


def to_cents(text: str | None) -> int | None:
    """"1,250.50" or "$1250.5" -> 125050; blank -> None; anything else (more than two decimals, infinity, not a
    number, more than ten million dollars either way) raises ValueError; the service says whether below zero is allowed."""
    text = (text or "").strip().replace(",", "").replace("$", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or abs(amount) > Decimal(MAX_CENTS) / 100 or amount != round(amount, 2):
        raise ValueError(text)
    return int(amount * 100)


class MoneyField(StringField):
    """An amount in dollars and cents, kept as integer cents in `cents`."""

    def pre_validate(self, form):
        try:
            self.cents = to_cents(self.data)
        except ValueError:
            self.cents = None
            raise ValidationError(_l("Give an amount like 1250 or 1,250.00. The most is %(most)s.",
                                     most=f"{MAX_CENTS // 100:,}")) from None


def id_in_range(form, field) -> None:
    """A choice coerced to a number (an id, or ids) that no column could hold is not one of the list."""
    values = field.data if isinstance(field.data, (list, tuple)) else [field.data]
    if any(isinstance(v, int) and not INT_MIN <= v <= INT_MAX for v in values):
        raise ValidationError(_l("Choose one of the list."))


def checks_for(field) -> tuple:
    """The checks every field of this type gets, whatever its form."""
    if isinstance(field, IntegerField):
        return (whole_number,)
    if isinstance(field, SelectFieldBase):
        return (plain_text, id_in_range)
    if isinstance(field, StringField):
        return (plain_text,)
    return ()


def given_or_none(value):
    """A query-string filter: text with control characters counts as not given."""
    return None if isinstance(value, str) and has_control(value) else value
