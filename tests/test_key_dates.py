"""Key dates: term dates across month ends and leap years, ongoing agreements, every source through `collect`."""
from datetime import date

import pytest

from tracker.calendar.key_dates import KINDS, add_months, collect, current_end
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


def test_an_automatic_renewal_rolls_from_the_original_end_so_leap_days_come_back():
    end = date(2024, 2, 29)
    assert current_end(end, "automatic", 12, "active", date(2026, 6, 1)) == date(2027, 2, 28)
    assert current_end(end, "automatic", 12, "active", date(2027, 3, 1)) == date(2028, 2, 29)
    assert current_end(end, "mutual", 12, "active", date(2026, 6, 1)) == end  # no rolling without automatic renewal
    assert current_end(end, "automatic", 12, "expired", date(2026, 6, 1)) == end


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
