from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SearchField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from tracker.agreements.forms import MONTH_CHOICES
from tracker.cards.models import (BARCODE_SOURCES, CARD_FORMS, CARD_MODELS, CARD_STATUSES, CONSENT_MODELS,
                                  GRADES, ILS_KINDS, LEGAL_BASES, PIN_RULES, STUDENT_FIELDS, TRANSFER_FREQUENCIES,
                                  TRANSFER_METHODS)
from tracker.cards import leavers
from tracker.cards.ils import KOHA_ATTRIBUTES, KOHA_VERSIONS
from tracker.cards.programme import PROGRAMME_FIELDS, SPEC_FIELDS, polaris_field
from tracker.cards.workflow import DRIVE_STATUSES
from tracker.fields import INT_MAX, between
from tracker.forms import IdSelectField, QueryForm, int_or_none, strip


COUNT_MAX = 100_000  # students of one school and grade counted in a drive: more is a typing slip


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeForm(FlaskForm):
    FIELDS = PROGRAMME_FIELDS
    card_model = SelectField(_l("Card model"), choices=list(CARD_MODELS.items()))
    card_form = SelectField(_l("Card"), choices=list(CARD_FORMS.items()))
    checkout_limit = IntegerField(_l("Checkout limit"), validators=[Optional(), NumberRange(0, 500)])
    hold_limit = IntegerField(_l("Hold limit"), validators=[Optional(), NumberRange(0, 500)])
    fines_free = BooleanField(_l("Fines-free"))
    lost_item_billing = BooleanField(_l("Lost items are billed"))
    interlibrary_loan = BooleanField(_l("Interlibrary loan allowed"))
    consent_model = SelectField(_l("Consent"), choices=list(CONSENT_MODELS.items()))
    barcode_prefix = StringField(_l("Barcode prefix"), validators=[Length(max=20)], filters=[strip],
                                 description=_l("Put before each student's id to make the library barcode, e.g. 2100."))
    barcode_source = SelectField(_l("Barcode rule"), choices=list(BARCODE_SOURCES.items()))
    pin_rule = SelectField(_l("PIN rule"), choices=list(PIN_RULES.items()))
    expiry_month = SelectField(_l("Accounts expire in"), choices=MONTH_CHOICES[1:], coerce=int)
    expiry_day = IntegerField(_l("on day"), validators=[DataRequired(), NumberRange(1, 31)],
                              description=_l("In the year after the drive's school year (a September 2027 drive's "
                                             "cards expire in 2028), whenever the file is made."))
    ils = SelectField(_l("Library system (ILS)"), choices=list(ILS_KINDS.items()))
    patron_category = StringField(_l("Patron category code"), validators=[DataRequired(), Length(max=30)], filters=[strip],
                                  description=_l("Koha: the category code (at most 10 characters). Evergreen: the profile "
                                                 "(permission group) name. Polaris: the patron code id, a whole number."))
    branch_code = StringField(_l("Branch code"), validators=[Length(max=30)], filters=[strip],
                              description=_l("Leave blank to use each school's home branch. Koha: the branch code (at most "
                                             "10 characters). Evergreen: the org unit short name. Polaris: leave blank and "
                                             "give each branch's organization id below."))
    koha_version = SelectField(_l("Koha version"), choices=[(v, v) for v in KOHA_VERSIONS], default="24.05",
                               description=_l("From Koha 22.11 on, middle names go in its Middle name column; before, in Other names."))
    koha_attributes = Checkboxes(_l("Koha patron attributes"), choices=list(KOHA_ATTRIBUTES.items()),
                                 description=_l("Only the attribute types defined in Koha (Administration > Patron attribute "
                                                "types, with the ExtendedPatronAttributes preference on). Leave all "
                                                "unticked if Koha has none."))
    polaris_language_id = IntegerField(_l("Polaris language id"), validators=[DataRequired(), NumberRange(1, 9999)], default=1,
                                       description=_l("Polaris' own LanguageID for the patrons' language: 1 is English."))


def programme_form(branches) -> type:
    """The card programme form with a field for the Polaris organization id of each branch its schools are served
    by (`branches`); the service checks each is a whole number and says so next to the field."""
    form = type("ProgrammeForm", (ProgrammeForm,), {})
    for branch in branches:
        setattr(form, polaris_field(branch), StringField(
            _l("Polaris organization id of %(branch)s", branch=branch.name), validators=[Length(max=12)], filters=[strip],
            description=_l("Polaris: the branch's organization id, a whole number (Leap's PatronBranchID). Koha and "
                           "Evergreen use the branch codes instead.")))
    return form


class SpecForm(FlaskForm):
    FIELDS = SPEC_FIELDS
    allowed_fields = Checkboxes(_l("Student fields that may be shared"), choices=list(STUDENT_FIELDS.items()))
    legal_basis = SelectField(_l("Legal basis"), choices=list(LEGAL_BASES.items()))
    transfer_method = SelectField(_l("Transfer method"), choices=list(TRANSFER_METHODS.items()))
    transfer_frequency = SelectField(_l("Transfer frequency"), choices=list(TRANSFER_FREQUENCIES.items()))
    subprocessors = TextAreaField(_l("Subprocessors"), validators=[Length(max=2000)], filters=[strip])
    retention_days_after_end = IntegerField(_l("Destroy the roster this many days after the agreement ends"),
                                            validators=[Optional(), NumberRange(0, 3650)])
    destroy_on = DateField(_l("or on this date"), validators=[Optional()])


class DriveForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    starts_on = DateField(_l("Starts"), validators=[Optional()])
    ends_on = DateField(_l("Ends"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=list(DRIVE_STATUSES.items()))
    target_percent = IntegerField(_l("Target (percent of enrolment)"), validators=[DataRequired(), NumberRange(1, 100)])
    grades = Checkboxes(_l("Grades"), choices=[(g, g) for g in GRADES])
    school_ids = Checkboxes(_l("Schools"), coerce=int)


class ReadCount(IntegerField):
    """What a count showed when the editor opened it, sent back unseen (an id-like whole number or blank)."""

    widget = HiddenInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, validators=[Optional(), between(0, INT_MAX)], **kwargs)


class CountForm(FlaskForm):
    """One school-and-grade row; `read_*` carry what the row showed when the editor opened it. Counting more
    students than are enrolled needs `more_than_enrolled` ticked (the service asks for it)."""

    enrolment = IntegerField(_l("Enrolment"), validators=[Optional(), between(0, COUNT_MAX)])
    target_percent = IntegerField(_l("Target %"), validators=[Optional(), NumberRange(1, 100)])
    classrooms = IntegerField(_l("Classrooms"), validators=[Optional(), between(0, 1_000)])
    issued = IntegerField(_l("Issued"), validators=[Optional(), between(0, COUNT_MAX)])
    already_had = IntegerField(_l("Already had a card"), validators=[Optional(), between(0, COUNT_MAX)])
    cannot_issue = IntegerField(_l("Cannot issue"), validators=[Optional(), between(0, COUNT_MAX)])
    cannot_issue_reason = StringField(_l("Reason"), validators=[Length(max=300)], filters=[strip])
    opted_out = IntegerField(_l("Opted out"), validators=[Optional(), between(0, COUNT_MAX)])
    more_than_enrolled = BooleanField(_l("Yes, more students than enrolled"))
    read_enrolment = ReadCount()
    read_target_percent = ReadCount()
    read_classrooms = ReadCount()
    read_issued = ReadCount()
    read_already_had = ReadCount()
    read_cannot_issue = ReadCount()
    read_cannot_issue_reason = HiddenField()
    read_opted_out = ReadCount()


class CardStatusForm(FlaskForm):
    status = SelectField(_l("Card"), choices=list(CARD_STATUSES.items()))


class GradeCardsForm(FlaskForm):
    """One card status for every student of a grade at a school (`grade`: its choices are the drive's grades)."""

    grade = SelectField(_l("Grade"))
    status = SelectField(_l("Card"), choices=list(CARD_STATUSES.items()))


class ClassCardsForm(FlaskForm):
    """One card status for every student of a class at a school (`class_name`: its choices are the school's classes)."""

    class_name = SelectField(_l("Class"))
    status = SelectField(_l("Card"), choices=list(CARD_STATUSES.items()))


class UploadForm(FlaskForm):
    file = FileField(_l("Roster file"), description=_l("OneRoster users.csv or zip, or a plain CSV from a school."))
    school_id = IdSelectField(_l("School (plain CSV only)"))


class CommitForm(FlaskForm):
    """Commit a previewed roster; `leavers` says what becomes of the students the file lacks."""

    leavers = RadioField(_l("Students this file lacks"), validate_choice=False, choices=[
        (leavers.MARK, _l("Mark them as left")), (leavers.PARTIAL, _l("This file is partial: mark nobody as left"))])


class OptOutForm(FlaskForm):
    kind = SelectField(_l("Record"), choices=[("opt_out", _l("Opt-outs")), ("consent", _l("Consents (opt-in)"))],
                       default="opt_out")
    source_ids = TextAreaField(_l("Student ids"), filters=[strip], description=_l("One per line."))
    file = FileField(_l("or a CSV list of ids"), id="optout-file")  # the roster's upload form has its own "file"
    opted_out_on = DateField(_l("Date"), validators=[DataRequired()])
    source = StringField(_l("Source"), validators=[Length(max=100)], filters=[strip],
                         description=_l("e.g. paper form, parent email, district list"))


class RosterSearchForm(QueryForm):
    """The roster's filters, from the query string (`school`: its choices are the schools the user sees)."""

    q = SearchField(_l("Search"), filters=[strip])
    school = SelectField(_l("School"), coerce=int_or_none, validate_choice=False)


class ExportForm(FlaskForm):
    file_format = SelectField(_l("Format"), choices=[("koha", "Koha"), ("evergreen", "Evergreen"),
                                                     ("polaris", "Polaris Leap"), ("generic", _l("Generic CSV"))])
    drive_id = IdSelectField(_l("Drive"))
    school_id = IdSelectField(_l("School"))
    grade = SelectField(_l("Grade"), choices=[("", _l("All grades"))] + [(g, g) for g in GRADES], default="")
    not_yet_exported = BooleanField(_l("Only students not yet exported"))
    ascii_names = BooleanField(_l("Names in plain ASCII (José Núñez → Jose Nunez)"),
                               description=_l("On for Evergreen: its stock patron loader skips every line with an accented "
                                              "letter unless the site has turned on binary parsing."))
    confirmed = HiddenField()
