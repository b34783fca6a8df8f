"""What a report says of the cards: used at least once, and still active 1, 5, 9 and 12 months after issue.

- A card is *used* when its last activity is on or after the day it was issued, or it has checkouts.
- A card is *active at N months* when its last activity is on or after its issue date plus N calendar months
  (31 January + 1 month = the last day of February; 29 February 2028 + 12 months = 28 February 2029).
- Only cards old enough count in the N-month share: issue date + N months on or before the report's date.

Figures are kept per school and grade (plain counts, summed for a school, a drive or a year); shares are worked out
from the counts when shown.
"""
import calendar
from collections import defaultdict
from datetime import date

from tracker.cards.models import GRADES

MONTHS = (1, 5, 9, 12)
GRADE_ORDER = {grade: i for i, grade in enumerate(GRADES)}  # PK, K, 01 ... 12: school order
COUNTS = ("cards", "used", *(f"old_{n}" for n in MONTHS), *(f"active_{n}" for n in MONTHS))


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def is_used(issued: date, last: date | None, checkouts: int | None) -> bool:
    return (last is not None and last >= issued) or bool(checkouts)


def figures(groups: list[tuple], issued: list[date], last: list, checkouts: list, report_date: date) -> list[dict]:
    """Counts per group (`groups`: a (school id, school name, grade) per card, beside its dates and checkouts)."""
    marks = {day: [add_months(day, n) for n in MONTHS] for day in set(issued)}
    found: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for group, day, seen, borrowed in zip(groups, issued, last, checkouts):
        row = found[group]
        row["cards"] += 1
        if is_used(day, seen, borrowed):
            row["used"] += 1
        for n, mark in zip(MONTHS, marks[day]):
            if mark <= report_date:
                row[f"old_{n}"] += 1
                if seen is not None and seen >= mark:
                    row[f"active_{n}"] += 1
    return [{"school_id": school_id, "school": name, "grade": grade, **found[(school_id, name, grade)]}
            for school_id, name, grade in sorted(found, key=lambda g: (g[1], g[0], GRADE_ORDER.get(g[2], len(GRADE_ORDER)), g[2]))]


def summed(rows: list[dict], **label) -> dict:
    return {**label, **{c: sum(r.get(c, 0) for r in rows) for c in COUNTS}}


def by_school(rows: list[dict]) -> list[dict]:
    schools: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        schools[r["school_id"]].append(r)
    return [summed(found, school_id=school_id, school=found[0]["school"]) for school_id, found in schools.items()]


def share(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def shares(row: dict) -> dict:
    """The row's percentages: used of the cards, and active of the cards old enough, per month mark (None: no card
    old enough yet)."""
    return {"used": share(row["cards"] and row["used"], row["cards"]),
            **{n: share(row[f"active_{n}"], row[f"old_{n}"]) for n in MONTHS}}


def shown(rows: list[dict], schools: frozenset[int] | None) -> list[dict]:
    """The rows of the schools a user works on (None: all)."""
    return rows if schools is None else [r for r in rows if r["school_id"] in schools]
