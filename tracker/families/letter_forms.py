"""The forms of letters home: a print run, one student's letter printed again, a programme's wording."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker import languages
from tracker.forms import IdSelectField, int_or_none, strip
from tracker.families import letters

RUN_LABELS = {
    letters.ENGLISH: None,  # the language's own name (English, Español)
    letters.SPANISH: None,
    letters.BOTH: _l("Both: English on the front, Spanish on the back of each sheet (print double-sided)"),
    letters.HOME: _l("Each student's home language, from the roster (English when it is unknown or another language)"),
}


def run_choices(home_language: bool) -> list[tuple[str, str, dict]]:
    """The languages a run may be printed in (a language's own name marked with its language, for screen readers);
    a student's home language only when the roster may hold one."""
    found = []
    for code, label in RUN_LABELS.items():
        if code == letters.HOME and not home_language:
            continue
        found.append((code, str(label), {}) if label is not None else (code, languages.name(code), {"lang": code}))
    return found


class PrintForm(FlaskForm):
    """A print run: a school of the drive, a grade or a class of it, a language."""

    school_id = IdSelectField(_l("School"), validators=[DataRequired(_l("Choose a school."))])
    grade = SelectField(_l("Grade"), validate_choice=False)
    class_name = StringField(_l("Class"), validators=[Optional(), Length(max=100)], filters=[strip],
                             description=_l("Leave blank for every class. Type the class as the roster names it "
                                            "(a homeroom, teacher or section); the school's classes are suggested."))
    language = RadioField(_l("Language"), default=letters.ENGLISH, validate_choice=False,
                          validators=[DataRequired(_l("Choose a language."))])


class ReprintForm(FlaskForm):
    """One student's code revoked and the letter printed again."""

    language = SelectField(_l("Language"), default=letters.ENGLISH, validate_choice=False)


class WordingForm(FlaskForm):
    """A programme's wording of the letter in one language, in the clause language."""

    body = TextAreaField(_l("Wording of the letter"), render_kw={"rows": 24, "spellcheck": "true"},
                         description=_l("Print the values listed below with {{ }}; choose words with {% if %} … "
                                        "{% endif %}; a blank line starts a new paragraph. The heading, the student's "
                                        "name, the family code and its QR code are printed around it."))
    version = HiddenField(filters=[int_or_none])
