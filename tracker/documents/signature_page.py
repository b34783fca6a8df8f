"""The signature page as real MOUs lay it out: a block per party, each signatory in it with their capacity.

A signatory stands for the party whose name (or the name of an organisation above or below it: a city's attorney
for its library, a school's principal for its district) they gave as their organisation, or else a party they
belong to as a user of the app. Anyone left over is listed in a last block under the organisation they gave.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# How each capacity reads above a signature (models.CAPACITIES are the same, as choices on a form).
CAPTIONS = {"signs": _l("Signed by"), "attests": _l("Attested by"), "form": _l("Approved as to form by")}


@dataclass
class Block:
    party: str
    organisation: object = None  # the party's Organisation (None for the block of the others)
    signatories: list = field(default_factory=list)


def _family(organisation) -> set[str]:
    """The party's name and those of the organisations above it and directly below it, casefolded."""
    names, above = {organisation.name.casefold()}, organisation.parent
    while above is not None and len(names) < 20:
        names.add(above.name.casefold())
        above = above.parent
    names.update(child.name.casefold() for child in organisation.children)
    return names


def _party_of(signatory, parties) -> int | None:
    given = (signatory.organisation or "").strip().casefold()
    if given:
        exact = next((i for i, o in enumerate(parties) if o.name.casefold() == given), None)
        if exact is not None:
            return exact
        related = next((i for i, o in enumerate(parties) if given in _family(o)), None)
        if related is not None:
            return related
    if signatory.user is not None:
        theirs = {o.id for o in signatory.user.organisations}
        return next((i for i, o in enumerate(parties)
                     if o.id in theirs or (o.parent_id in theirs) or any(c.id in theirs for c in o.children)), None)
    return None


def blocks(version) -> list[Block]:
    parties = [p.organisation for p in version.document.agreement.parties]
    found = [Block(o.name, o) for o in parties]
    others = Block(_("Other signatories"))
    for signatory in version.signatories:
        index = _party_of(signatory, parties)
        (found[index] if index is not None else others).signatories.append(signatory)
    return found + ([others] if others.signatories else [])
