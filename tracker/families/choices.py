"""What a family may answer, by the programme's consent model (tracker.cards.models.CONSENT_MODELS).

- opt-out at registration: every student gets a card unless the family opts out;
- opt-in: only students whose family consents get one; a family may also decline;
- parent activation: the family activates the card; a family may also decline.
"""
from flask_babel import lazy_gettext as _l

OPT_OUT, CONSENT, ACTIVATE = "opt_out", "consent", "activate"
CHOICES = {
    OPT_OUT: _l("No library card for my child"),
    CONSENT: _l("Yes, a library card for my child"),
    ACTIVATE: _l("Activate my child's library card"),
}
ANSWERED = {  # what the family's confirmation says
    OPT_OUT: _l("No library card: your child is opted out."),
    CONSENT: _l("Yes: your child will get a library card."),
    ACTIVATE: _l("Activated: your child's library card will work."),
}
OFFERED = {"opt_out": (OPT_OUT,), "opt_in": (CONSENT, OPT_OUT), "parent_activation": (ACTIVATE, OPT_OUT)}


def offered(consent_model: str, answered: str = "") -> tuple[str, ...]:
    """The answers a consent model lets a family give, the one that makes a card first. Under opt-out, a family
    that opted out may take it back (recorded as a consent)."""
    if consent_model not in OFFERED or consent_model == "opt_out":
        return (CONSENT,) if answered == OPT_OUT else (OPT_OUT,)
    return OFFERED[consent_model]


def gives_card(choice: str) -> bool:
    return choice in (CONSENT, ACTIVATE)
