"""What follows an MOU as an exhibit: the card programme's rules, when the agreement has a card programme."""
from flask_babel import gettext as _

from tracker.agreements.models import MONTHS
from tracker.cards import models as cards
from tracker.cards.programme import programme_of


def _limit(value) -> str:
    return str(value) if value is not None else _("no limit set")


def programme_rules(agreement) -> list[tuple[str, str]]:
    """(rule, setting) rows of the agreement's card programme, in words; [] when it has none."""
    p = programme_of(agreement.id)
    if p is None:
        return []
    barcode = str(cards.BARCODE_SOURCES.get(p.barcode_source, ""))
    if p.barcode_prefix:
        barcode += " " + _("(prefix %(prefix)s)", prefix=p.barcode_prefix)
    return [
        (_("Card"), f"{cards.CARD_MODELS.get(p.card_model, '')}, {str(cards.CARD_FORMS.get(p.card_form, '')).lower()}"),
        (_("Checkout limit"), _limit(p.checkout_limit)),
        (_("Hold limit"), _limit(p.hold_limit)),
        (_("Fines"), _("Fines-free") if p.fines_free else _("Fines charged")),
        (_("Lost items"), _("Billed") if p.lost_item_billing else _("Not billed")),
        (_("Interlibrary loan"), _("Yes") if p.interlibrary_loan else _("No")),
        (_("Consent"), str(cards.CONSENT_MODELS.get(p.consent_model, ""))),
        (_("Barcode"), barcode),
        (_("PIN"), str(cards.PIN_RULES.get(p.pin_rule, ""))),
        (_("Expiry"), _("%(day)s %(month)s of the next school year", day=p.expiry_day, month=MONTHS.get(p.expiry_month, ""))),
        (_("Library system"), _("%(ils)s, patron category %(category)s, branch %(branch)s",
                                ils=cards.ILS_KINDS.get(p.ils, ""), category=p.patron_category,
                                branch=p.branch_code or _("each school's home branch"))),
    ]
