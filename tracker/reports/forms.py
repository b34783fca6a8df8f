from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from tracker.forms import QueryForm, int_or_none


def _plausible(year):
    return year if year is not None and 2000 <= year <= 2100 else None


class ReportYearForm(QueryForm):
    """The school year a report covers, from the query string (`year=2025`: 2025–26); none or nonsense: this year."""

    year = SelectField(_l("School year"), coerce=int_or_none, validate_choice=False, filters=[_plausible])
