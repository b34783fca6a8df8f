"""Key dates: term dates across month ends and leap years, ongoing agreements, every source through `collect`.

The dates are computed in the database; `python_term_dates` below is the rule they were computed by in Python
before, kept as the oracle the SQL must equal on a generated set of agreements (on SQLite and PostgreSQL)."""
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import Date, Integer, literal, select

from tracker.agreements.models import Agreement
from tracker.calendar.key_dates import KINDS, TERM_KINDS, add_months, collect, current_end, months_later
from tracker.cards.models import DataSharingSpec
from tracker.cards.programme import destruction_date
from tracker.extensions import db
from tracker.milestones.models import Milestone
from tests.world import agreement


@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2026, 8, 31), 3, date(2026, 11, 30)),
    (date(2026, 11, 30), 3, date(2027, 2, 28)),
    (date(2026, 12, 15), 1, date(2027, 1, 15)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


# ---- the Python rules, the oracle ------------------------------------------------------------------

def python_current_end(end_date, renewal, renewal_months, status, today):
    if end_date is None or renewal != "automatic" or not renewal_months or status != "active":
        return end_date
    terms, rolled = 0, end_date
    while rolled < today:
        terms += 1
        rolled = add_months(end_date, renewal_months * terms)
    return rolled


def python_term_dates(row, start, end):
    """(kind, on, uid, detail) of one agreement's term in [start, end], as the Python rules made them."""
    found = set()

    def add(on, kind, suffix, detail=""):
        if on is not None and start <= on <= end:
            found.add((kind, on, f"agreement-{row.id}-{suffix}", str(detail)))

    term_end = python_current_end(row.end_date, row.renewal, row.renewal_months, row.status, start)
    if term_end is not None:
        rolled = "" if term_end == row.end_date else f"-{term_end.isoformat()}"
        add(term_end, "end_of_term", f"end{rolled}")
        if row.notice_days:
            deadline = term_end - timedelta(days=row.notice_days)
            if row.renewal == "mutual":
                add(deadline, "renewal_notice", f"notice{rolled}",
                    f"Agree on renewal with the partners before the term ends on {term_end.isoformat()}.")
            elif row.renewal == "automatic":
                add(deadline, "termination_notice", f"notice{rolled}",
                    f"Give notice by this date, or the agreement renews for {row.renewal_months} "
                    f"{'month' if row.renewal_months == 1 else 'months'}.")
            else:
                add(deadline, "termination_notice", f"notice{rolled}",
                    f"Last day to give {row.notice_days} {'day' + chr(39) + 's' if row.notice_days == 1 else 'days' + chr(39)} "
                    "notice before the end of term.")
    if row.modification_window_start:
        for year in range(start.year, end.year + 1):
            opens = date(year, row.modification_window_start, 1)
            if (row.effective_date is None or opens >= row.effective_date) and (term_end is None or opens <= term_end):
                add(opens, "modification_window", f"window-{year}")
    return found


@pytest.mark.parametrize("day, months", [(date(2027, 1, 31), 1), (date(2028, 1, 31), 1), (date(2028, 2, 29), 12),
                                         (date(2028, 2, 29), 48), (date(2026, 8, 31), 3), (date(2026, 12, 31), 2),
                                         (date(2026, 12, 15), 0), (date(2026, 3, 31), 11)])
def test_months_later_in_the_database_clamps_as_python_does(app, day, months):
    assert db.session.execute(select(months_later(literal(day, Date), literal(months, Integer)))).scalar() == \
        add_months(day, months)


def test_an_automatic_renewal_rolls_from_the_original_end_so_leap_days_come_back(world):
    leap = _live("Leap renewal", world, effective_date=date(2023, 3, 1), end_date=date(2024, 2, 29), renewal="automatic",
                 renewal_months=12, notice_days=None)

    def end_of_term(start):
        return db.session.execute(select(current_end(start, start.year * 12 + start.month - 1))
                                  .where(Agreement.id == leap.id)).scalar()

    assert end_of_term(date(2026, 6, 1)) == date(2027, 2, 28)
    assert end_of_term(date(2027, 3, 1)) == date(2028, 2, 29)
    assert end_of_term(date(2028, 2, 29)) == date(2028, 2, 29)
    assert end_of_term(date(2024, 2, 1)) == date(2024, 2, 29)  # not yet rolled
    leap.renewal = "mutual"
    db.session.commit()
    assert end_of_term(date(2026, 6, 1)) == date(2024, 2, 29)  # no rolling without automatic renewal
    leap.renewal, leap.status = "automatic", "expired"
    db.session.commit()
    assert end_of_term(date(2026, 6, 1)) == date(2024, 2, 29)


END_DATES = [date(2024, 2, 29), date(2025, 1, 31), date(2025, 8, 31), date(2025, 11, 30), date(2026, 1, 31),
             date(2026, 3, 31), date(2026, 6, 15), date(2026, 12, 31), date(2027, 2, 28), date(2027, 4, 30),
             date(2027, 10, 31), date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2029, 5, 31), None]
WINDOWS = [(date(2026, 1, 31), 30), (date(2027, 2, 28), 30), (date(2028, 1, 31), 30), (date(2028, 2, 29), 30),
           (date(2028, 3, 1), 30), (date(2028, 12, 31), 30), (date(2029, 2, 28), 30), (date(2030, 8, 31), 30),
           (date(2026, 11, 15), 90), (date(2028, 1, 1), 90), (date(2027, 4, 2), 790), (date(2026, 6, 1), 365),
           (date(2032, 2, 1), 60)]
DESTRUCTION_DETAIL = "The data-sharing spec requires the roster to be destroyed by this date (flask --app wsgi privacy purge)."


def test_term_and_destruction_dates_in_the_database_equal_the_python_rules(app, _database):
    """Every renewal, term length and notice combination, ends on month ends and leap days, every live status (and
    a draft), with and without modification windows, effective dates and data-sharing specs, over windows of 30 to
    790 days across month ends and leap years."""
    combos = itertools.product(("none", "automatic", "mutual"), (None, 0, 1, 3, 12, 24), (None, 0, 1, 30, 90, 365))
    made = []
    for n, ((renewal, months, notice), end_date) in enumerate(itertools.product(combos, END_DATES[::4] + END_DATES[1::4])):
        end_date = END_DATES[(n * 7) % len(END_DATES)] if n % 3 else end_date
        made.append(Agreement(
            title=f"Generated {n:03d}", kind="mou", term_kind=("pilot", "fixed", "ongoing")[n % 3],
            status=("active", "approved", "out_for_signature", "active", "draft", "active")[n % 6],
            effective_date=None if n % 5 == 0 else date(2025, 1 + n % 12, 1), end_date=end_date,
            renewal=renewal, renewal_months=months, notice_days=notice,
            modification_window_start=None if n % 4 == 0 else 1 + n % 12))
    db.session.add_all(made)
    db.session.flush()
    db.session.add_all([DataSharingSpec(agreement_id=a.id, destroy_on=date(2028, 2, 29) if n % 3 == 0 else None,
                                        retention_days_after_end=(None, 0, 30, 366)[n % 4])
                        for n, a in enumerate(made) if n % 2])
    db.session.flush()
    assert len(made) >= 300
    ids = [a.id for a in made]
    specs = {s.agreement_id: s for s in db.session.execute(select(DataSharingSpec)).scalars()}
    compared = 0
    for today, days in WINDOWS:
        start, end = today, today + timedelta(days=days)
        found = collect(ids, start, end, kinds=TERM_KINDS | {"data_destruction"})
        assert len({d.uid for d in found}) == len(found)
        expected = set()
        for a in made:
            if a.status != "draft":
                expected |= python_term_dates(a, start, end)
            when = destruction_date(specs.get(a.id), a)
            if when is not None and start <= when <= end:
                expected.add(("data_destruction", when, f"agreement-{a.id}-destruction", DESTRUCTION_DETAIL))
        got = {(d.kind, d.on, d.uid, str(d.detail)) for d in found}
        assert got == expected, (today, days, sorted(got ^ expected)[:10])
        compared += len(expected)
    assert compared > 500  # the windows do catch dates of every kind
    kinds = {d.kind for d in collect(ids, date(2026, 1, 1), date(2029, 12, 31))}
    assert kinds >= TERM_KINDS | {"data_destruction"}


def _live(title, world, **terms):
    made = agreement(title, [world.orgs["library"], world.orgs["north"]], **terms)
    made.status = "active"
    db.session.commit()
    return made


def _dates(agreement_id, start, end):
    return {(d.kind, d.on) for d in collect([agreement_id], start, end)}


def test_notice_deadlines_across_month_ends_and_a_leap_day(world):
    leap = _live("Leap", world, effective_date=date(2026, 3, 1), end_date=date(2028, 3, 1), notice_days=1, renewal="none")
    march = _live("March", world, effective_date=date(2026, 4, 1), end_date=date(2027, 3, 31), notice_days=30,
                  renewal="mutual", renewal_months=12)
    december = _live("December", world, effective_date=date(2026, 1, 1), end_date=date(2026, 12, 31), notice_days=90,
                     renewal="automatic", renewal_months=12)
    assert _dates(leap.id, date(2028, 2, 1), date(2028, 3, 31)) == {
        ("termination_notice", date(2028, 2, 29)), ("end_of_term", date(2028, 3, 1))}
    assert _dates(march.id, date(2027, 2, 1), date(2027, 4, 30)) == {
        ("renewal_notice", date(2027, 3, 1)), ("end_of_term", date(2027, 3, 31))}
    # Only the notice deadline falls in the window: the database finds it without the end date (both dialects).
    assert _dates(december.id, date(2026, 10, 1), date(2026, 10, 31)) == {("termination_notice", date(2026, 10, 2))}


def test_an_agreement_without_an_end_date_has_its_window_and_milestones_but_no_end(world):
    ongoing = _live("Ongoing", world, term_kind="ongoing", effective_date=date(2026, 1, 1), end_date=None, notice_days=60,
                    modification_window_start=2, modification_window_end=5)
    db.session.add(Milestone(agreement_id=ongoing.id, title="Roster sent", due_date=date(2027, 2, 28)))
    db.session.commit()
    found = collect([ongoing.id], date(2026, 7, 1), date(2028, 6, 30))
    assert [(d.kind, d.on) for d in found] == [
        ("modification_window", date(2027, 2, 1)), ("milestone", date(2027, 2, 28)), ("modification_window", date(2028, 2, 1))]
    assert len({d.uid for d in found}) == 3
    assert all(d.agreement_title == "Ongoing" for d in found)


def test_dates_outside_the_scope_or_of_drafts_are_left_out(world):
    draft = agreement("Draft", [world.orgs["library"], world.orgs["north"]], end_date=date(2027, 6, 30))
    live = _live("Live", world, end_date=date(2027, 6, 30))
    found = collect([draft.id, live.id], date(2027, 1, 1), date(2027, 12, 31))
    assert {d.agreement_title for d in found} == {"Live"}
    assert collect([], date(2027, 1, 1), date(2027, 12, 31)) == []


def test_every_kind_has_a_label():
    assert {"end_of_term", "renewal_notice", "termination_notice", "modification_window", "milestone", "goal",
            "resource", "survey"} <= set(KINDS)
