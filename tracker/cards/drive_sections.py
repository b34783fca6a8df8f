"""Sections other packages add to a drive's page (families' answers, card use), declared from their own package:

    add_section(DriveSection("family-answers", "families/_drive_answers.html", responses.load))

`load(drive, schools)` returns the template's context, or None when there is nothing to show: `schools` are the
ids of the schools the page is about (None: every school of the drive), the user's own below a party, one school on
a school's page. The view shows a section only to a user with its permission. The template gets `drive`, `school`
(on a school's page) and what load() returned.
"""
from dataclasses import dataclass
from typing import Callable

from tracker.registry import Registry

SECTIONS = Registry()


@dataclass(frozen=True)
class DriveSection:
    key: str
    template: str
    load: Callable[[object, object], dict | None]
    permission: str = "card.view"


def add_section(section: DriveSection, before: str | None = None) -> None:
    SECTIONS.add(section, before)


def shown(drive, schools: frozenset[int] | None, allowed: Callable[[str], bool]) -> list[tuple[DriveSection, dict]]:
    """The sections this user may see, each with its context; `allowed(permission)` says what the user may do."""
    found = []
    for section in SECTIONS:
        if allowed(section.permission):
            context = section.load(drive, schools)
            if context is not None:
                found.append((section, context))
    return found
