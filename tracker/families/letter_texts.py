"""What a letter home may say: the values it may name (its vocabulary, shown to whoever edits the wording) and the
standard English and Spanish texts a programme starts from.

A letter's wording is written in the clause language (tracker/clauses/language.py): `{{ value }}`, `{% if %}`,
`{% for %}` over the lists below, the filters join, plural and date. A blank line starts a new paragraph. The
letter's frame (the heading, the student's name, the family code and its QR code) is printed around it whatever
the wording says (templates/families/_letter_page.html).
"""
from flask_babel import lazy_gettext as _l

from tracker.clauses import language

LANGUAGES = ("en", "es")  # the languages a letter is printed in, each with its standard text below

# Every value a letter may print or test, with what it means (shown beside the wording's field).
VARIABLES = {
    "student.first_name": _l("the student's first name"),
    "student.last_initial": _l("the first letter of the student's last name (the letter never prints it whole)"),
    "student.grade": _l("the student's grade, as the roster gives it (K, 03, ...)"),
    "student.class_name": _l("the student's class (empty when the roster has none)"),
    "school.name": _l("the student's school"),
    "library.name": _l("the library party: a library system or a single branch"),
    "drive.name": _l("the card drive's name"),
    "reply_by": _l("the last day of the drive, by which families answer (a date; empty when the drive has no end date "
                   "or has ended)"),
    "card.model": _l("the kind of card, in words (Full card, Starter card, Digital account)"),
    "card.model_kind": _l("the same as a code to test: \"full\", \"starter\" or \"digital\""),
    "card.form": _l("how the card reaches the student, as a code to test: \"physical\" (a card handed out at school) "
                    "or \"student_id\" (the student id works as the card)"),
    "card.checkout_limit": _l("items a student may borrow at once (empty when no limit is set)"),
    "card.hold_limit": _l("holds a student may place (empty when no limit is set)"),
    "card.fines_free": _l("true when the card is fines-free, to test with {% if %}"),
    "card.lost_item_billing": _l("true when lost items are billed"),
    "card.interlibrary_loan": _l("true when the card borrows from other libraries"),
    "card.consent_model": _l("how families answer, as a code to test: \"opt_out\", \"opt_in\" or \"parent_activation\""),
    "data.fields": _l("the student fields the school shares with the library, in words: a list (join them, or "
                      "repeat with {% for f in data.fields %})"),
    "data.legal_basis": _l("why the school may share them, in words"),
    "data.legal_basis_kind": _l("the same as a code to test: \"school_official\", \"directory\" or \"consent\""),
    "data.subprocessors": _l("who else holds the data for the library (the library system's vendor ...; may be empty)"),
    "data.destroy_on": _l("when the library destroys the data (a date; empty when not set)"),
    "family.code": _l("the student's family code, as printed in three groups of four, e.g. 7KQ2-XM9D-4TRB"),
    "family.address": _l("the family page's address, where the code is typed"),
    "family.choices": _l("what the family may answer under the consent model, in words: a list"),
}
LISTS = {"data.fields": (), "family.choices": ()}
VOCABULARY = language.Vocabulary(frozenset(VARIABLES) - set(LISTS), LISTS)

STANDARD = {
    "en": """\
Dear family of {{ student.first_name }},

{{ school.name }} and {{ library.name }} are working together so that every student has a public library card. \
{% if card.consent_model == "opt_out" %}{{ student.first_name }} will get a free library card unless you tell us \
you do not want one.{% elif card.consent_model == "opt_in" %}{{ student.first_name }} can get a free library card \
if you say yes.{% else %}{{ student.first_name }} can get a free library card, which you activate.{% endif %}

What the card gives: {{ card.model }}. \
{% if card.checkout_limit %}{{ student.first_name }} can borrow up to {{ card.checkout_limit }} \
{{ card.checkout_limit | plural("item", "items") }} at a time{% if card.hold_limit %} and place up to \
{{ card.hold_limit }} {{ card.hold_limit | plural("hold", "holds") }}{% endif %}. {% endif %}\
{% if card.fines_free %}There are no late fines.{% else %}Items returned late may be charged a fine.{% endif %} \
{% if card.lost_item_billing %}Lost items are billed.{% else %}Lost items are not billed to you.{% endif %} \
{% if card.form == "student_id" %}{{ student.first_name }}'s student id works as the library card.\
{% else %}The card is handed to {{ student.first_name }} at school.{% endif %}

What the school shares with the library: {{ data.fields | join }}. \
{% if data.legal_basis_kind == "consent" %}The school shares it only with your consent.\
{% elif data.legal_basis_kind == "directory" %}The school shares only directory information, as the federal \
student privacy law (FERPA) allows.{% else %}The library works for the school as a "school official" under the \
federal student privacy law (FERPA): it uses the data only to make and run the library card.{% endif %} \
{% if data.subprocessors %}It is also held for the library by: {{ data.subprocessors }}. {% endif %}\
{% if data.destroy_on %}The library destroys the data by {{ data.destroy_on | date("long") }}.{% endif %}

What you can do: {% if card.consent_model == "opt_out" %}nothing, if you want {{ student.first_name }} to have \
the card; if you do not, tell us on the family page.{% elif card.consent_model == "opt_in" %}tell us on the family \
page whether you want the card.{% else %}activate the card on the family page, or decline it there.{% endif %} \
The family page offers: {% for choice in family.choices %}“{{ choice }}”{% if not loop.last %} or {% endif %}\
{% endfor %}. Scan the QR code below with a phone, or go to {{ family.address }} and type your family code \
{{ family.code }}.{% if reply_by %} Please answer by {{ reply_by | date("long") }}.{% endif %}

Thank you,
{{ school.name }} and {{ library.name }}""",
    "es": """\
Estimada familia de {{ student.first_name }}:

{{ school.name }} y {{ library.name }} trabajan juntas para que cada estudiante tenga una tarjeta de la biblioteca \
pública. {% if card.consent_model == "opt_out" %}{{ student.first_name }} recibirá una tarjeta de biblioteca gratuita, \
salvo que ustedes nos digan que no la quieren.{% elif card.consent_model == "opt_in" %}{{ student.first_name }} puede \
recibir una tarjeta de biblioteca gratuita si ustedes dicen que sí.{% else %}{{ student.first_name }} puede recibir \
una tarjeta de biblioteca gratuita, que ustedes activan.{% endif %}

Lo que ofrece la tarjeta: {{ card.model }}. \
{% if card.checkout_limit %}{{ student.first_name }} puede llevar en préstamo hasta {{ card.checkout_limit }} \
{{ card.checkout_limit | plural("material", "materiales") }} a la vez{% if card.hold_limit %} y hacer hasta \
{{ card.hold_limit }} {{ card.hold_limit | plural("reserva", "reservas") }}{% endif %}. {% endif %}\
{% if card.fines_free %}No hay multas por retraso.{% else %}Los materiales devueltos con retraso pueden tener \
una multa.{% endif %} {% if card.lost_item_billing %}Los materiales perdidos se cobran.{% else %}Los materiales \
perdidos no se les cobran.{% endif %} {% if card.form == "student_id" %}La credencial escolar de \
{{ student.first_name }} sirve como tarjeta de la biblioteca.{% else %}{{ student.first_name }} recibe la tarjeta \
en la escuela.{% endif %}

Lo que la escuela comparte con la biblioteca: {{ data.fields | join }}. \
{% if data.legal_basis_kind == "consent" %}La escuela lo comparte solo con su consentimiento.\
{% elif data.legal_basis_kind == "directory" %}La escuela comparte solo información de directorio, como lo permite \
la ley federal de privacidad estudiantil (FERPA).{% else %}La biblioteca trabaja para la escuela como \
«funcionario escolar» según la ley federal de privacidad estudiantil (FERPA): usa los datos solo para crear y \
administrar la tarjeta de la biblioteca.{% endif %} \
{% if data.subprocessors %}También los guarda para la biblioteca: {{ data.subprocessors }}. {% endif %}\
{% if data.destroy_on %}La biblioteca destruye los datos a más tardar el {{ data.destroy_on | date("long") }}.{% endif %}

Lo que ustedes pueden hacer: {% if card.consent_model == "opt_out" %}nada, si quieren que {{ student.first_name }} \
tenga la tarjeta; si no la quieren, dígannoslo en la página para familias.{% elif card.consent_model == "opt_in" %}\
dígannos en la página para familias si quieren la tarjeta.{% else %}activar la tarjeta en la página para familias, \
o rechazarla allí.{% endif %} La página para familias ofrece: {% for choice in family.choices %}“{{ choice }}”\
{% if not loop.last %} o {% endif %}{% endfor %}. Escaneen el código QR de abajo con un teléfono, o vayan a \
{{ family.address }} y escriban su código familiar {{ family.code }}.\
{% if reply_by %} Por favor, respondan a más tardar el {{ reply_by | date("long") }}.{% endif %}

Atentamente,
{{ school.name }} y {{ library.name }}""",
}


def standard(code: str) -> str:
    """The standard wording in a language (English for a language without one)."""
    return STANDARD.get(code, STANDARD["en"])


def reading(body: str) -> language.Reading:
    return language.check(body, VOCABULARY)


def problems(body: str) -> list[str]:
    """What is wrong with a wording, one message per problem; [] when it may be saved."""
    return reading(body).problems


def render(body: str, values: dict, code: str) -> str:
    """The wording with its values filled in (call `problems` first; this may still raise)."""
    return language.render(body, values, code)


def compiled(body: str, code: str):
    """The wording compiled once for a whole print run, in the clause language's sandbox (its `render` compiles the
    text on every call: a run of 500 letters would spend most of its time there). Call `problems` first."""
    return language.compile(body, code)
