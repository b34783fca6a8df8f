"""Forms of the card-use page: the activity report's upload, and the one-button commit or discard of a preview."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from tracker.forms import strip
from tracker.outcomes.reports import AUTO, PLAIN

SOURCE_CHOICES = [(AUTO, _l("Find out from its column names")), ("koha", "Koha"), ("evergreen", "Evergreen"),
                  ("polaris", "Polaris"), (PLAIN, _l("Plain CSV: its columns named below"))]


class ActivityUploadForm(FlaskForm):
    file = FileField(_l("Activity report (CSV)"), description=_l(
        "A Koha report, an Evergreen report or a Polaris SimplyReports patron list saved as CSV, with the card number "
        "and the date of last activity; the checkouts and the date the card was issued when it has them."))
    source_kind = SelectField(_l("Library system"), choices=SOURCE_CHOICES, default=AUTO)
    report_date = DateField(_l("Date of the report"), validators=[Optional()],
                            description=_l("The day the report was run in the library system."))
    barcode_column = StringField(_l("Card number column"), validators=[Length(max=100)], filters=[strip],
                                 description=_l("Plain CSV only: the header of each column, as the file writes it. "
                                                "Remembered for this agreement's next report."))
    last_activity_column = StringField(_l("Last activity column"), validators=[Length(max=100)], filters=[strip])
    issued_column = StringField(_l("Card issued column (optional)"), validators=[Length(max=100)], filters=[strip])
    checkouts_column = StringField(_l("Checkouts column (optional)"), validators=[Length(max=100)], filters=[strip])

    MAPPED = {"barcode": "barcode_column", "last_activity": "last_activity_column", "issued": "issued_column",
              "checkouts": "checkouts_column"}

    def mapping(self) -> dict:
        return {name: getattr(self, f).data or "" for name, f in self.MAPPED.items()}


class ReportStepForm(FlaskForm):
    """Commit or discard a previewed report."""

    report_id = IntegerField(widget=HiddenInput())
