"""Key dates: every date someone must act on, derived from the agreements and their parts.

The seam: KEY_DATE_SOURCES is a list of functions `(agreement_ids, start, end) -> list[KeyDate]`.
`agreement_ids` is what the dates are about: a SELECT of agreement ids (a user's scope), a list of
ids, or None for every agreement. Each source returns its dates falling in [start, end] and costs
a fixed number of queries whatever the amount of data. Its kinds go into KINDS (label shown in
digests, feeds and the profile's reminder switches). The sources registered here: agreement term
dates, milestones, goals, resource shares, survey rounds. Other packages register theirs with
`add_source(function, kinds)`: tracker/cards/overview.py ("data_destruction", from the data-sharing
spec) and tracker/documents/overview.py ("signing_link", outside signers' links about to expire).

Reminders, calendar feeds and the dashboard read every source through `collect`.
"""
import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import Date, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker.agreements import workflow
from tracker.agreements.models import Agreement, Goal
from tracker.auth.permissions import Relation
from tracker.extensions import db
from tracker.scope.agreements import relations
from tracker.scope.sql import among


@dataclass(frozen=True)
class KeyDate:
    on: date
    kind: str  # a key of KINDS
    title: str  # a lazy translation for term dates: str() it where text is needed
    agreement_id: int
    agreement_title: str
    uid: str  # stable across runs: the calendar event's UID and the reminder's record
    detail: str = ""
    overdue: bool = False
    owner_user_id: int | None = field(default=None, compare=False)  # someone who must hear of it in particular
    owed_by: int | None = field(default=None, compare=False)  # the organisation that owes it (a milestone)

    @property
    def kind_label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


KINDS = {
    "renewal_notice": _l("Renewal notice"),
    "termination_notice": _l("Termination-notice deadline"),
    "end_of_term": _l("End of term"),
    "modification_window": _l("Modification window opens"),
    "milestone": _l("Milestone due"),
    "goal": _l("Goal due"),
    "resource": _l("Resource sharing ends"),
    "survey": _l("Assessment survey closes"),
}
KEY_DATE_SOURCES: list = []
WHOLE_ONLY: set[str] = {"survey"}  # kinds for those who see the whole agreement, not those below a party


def add_source(source, kinds: dict | None = None, whole_only: bool = False) -> None:
    if source not in KEY_DATE_SOURCES:
        KEY_DATE_SOURCES.append(source)
    KINDS.update(kinds or {})
    if whole_only:
        WHOLE_ONLY.update(kinds or {})


def collect(agreement_ids, start: date, end: date, kinds=None, scope=None) -> list[KeyDate]:
    """Every source's dates in [start, end], by date. With a user's `scope`, the dates of agreements they see
    from below a party are only those that concern them: no whole-only kinds, and only the milestones their
    organisation owes or they own."""
    found = [d for source in KEY_DATE_SOURCES for d in source(agreement_ids, start, end)]
    if kinds is not None:
        found = [d for d in found if d.kind in kinds]
    if scope is not None:
        found = seen_by(found, scope)
    return sorted(found, key=lambda d: (d.on, d.agreement_title, d.title, d.uid))


def seen_by(dates: list[KeyDate], scope) -> list[KeyDate]:
    """The dates that concern a user: all of the agreements they see whole (or are told of as manager or
    owner); of those they see from below a party, no whole-only kinds and only their own milestones."""
    if scope.everything:
        return dates
    below = {i for i, r in relations(scope, {d.agreement_id for d in dates}).items() if r is Relation.BELOW}
    return [d for d in dates if d.agreement_id not in below or _concerns(d, scope)]


def _concerns(day: KeyDate, scope) -> bool:
    if day.kind in WHOLE_ONLY:
        return False
    return day.kind != "milestone" or scope.owes(day.owner_user_id, day.owed_by)


def within(query, column, agreement_ids):
    """Restrict a query to the agreements the dates are about (a SELECT of ids, a list of ids, or None: all)."""
    if agreement_ids is None:
        return query
    if isinstance(agreement_ids, (list, tuple, set, frozenset)):
        return query.where(among(column, agreement_ids))
    return query.where(column.in_(agreement_ids))


# ---- date arithmetic -------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """Same day `months` later; the 31st becomes the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def current_end(end_date: date | None, renewal: str, renewal_months: int | None, status: str, today: date) -> date | None:
    """The end of the current term: an active, automatically renewing agreement rolls on past its first end
    date, term after term (counted from the original end, so 29 Feb keeps coming back in leap years)."""
    if end_date is None or renewal != "automatic" or not renewal_months or status != workflow.ACTIVE:
        return end_date
    terms = 0
    rolled = end_date
    while rolled < today:
        terms += 1
        rolled = add_months(end_date, renewal_months * terms)
    return rolled


def months_between(start: date, end: date) -> set[int]:
    if (end.year - start.year) * 12 + end.month - start.month >= 11:
        return set(range(1, 13))
    months, day = set(), start.replace(day=1)
    while day <= end:
        months.add(day.month)
        day = add_months(day, 1)
    return months


def term_dates(row, start: date, end: date, windows: bool = True) -> list[KeyDate]:
    """The key dates of one agreement's term that fall in [start, end] (labels translated when shown)."""
    found = []

    def add(on, kind, suffix, title, detail=lambda: ""):
        if on is not None and start <= on <= end:
            found.append(KeyDate(on, kind, title(), row.id, row.title, f"agreement-{row.id}-{suffix}", detail()))

    term_end = current_end(row.end_date, row.renewal, row.renewal_months, row.status, start)
    if term_end is not None:
        rolled = "" if term_end == row.end_date else f"-{term_end.isoformat()}"
        add(term_end, "end_of_term", f"end{rolled}", lambda: _l("End of term: %(title)s", title=row.title))
        if row.notice_days:
            deadline = term_end - timedelta(days=row.notice_days)
            if row.renewal == "mutual":
                add(deadline, "renewal_notice", f"notice{rolled}", lambda: _l("Renewal notice due: %(title)s", title=row.title),
                    lambda: _l("Agree on renewal with the partners before the term ends on %(end)s.", end=term_end.isoformat()))
            else:
                add(deadline, "termination_notice", f"notice{rolled}",
                    lambda: _l("Termination-notice deadline: %(title)s", title=row.title),
                    lambda: (_ln("Give notice by this date, or the agreement renews for %(num)s month.",
                                 "Give notice by this date, or the agreement renews for %(num)s months.", row.renewal_months)
                             if row.renewal == "automatic" else
                             _ln("Last day to give %(num)s day's notice before the end of term.",
                                 "Last day to give %(num)s days' notice before the end of term.", row.notice_days)))
    if windows and row.modification_window_start:
        for year in range(start.year, end.year + 1):
            opens = date(year, row.modification_window_start, 1)
            if (row.effective_date is None or opens >= row.effective_date) and (term_end is None or opens <= term_end):
                add(opens, "modification_window", f"window-{year}",
                    lambda: _l("Modification window opens: %(title)s", title=row.title))
    return found


class days_before(FunctionElement):
    """SQL: the date `days` days before `day` (both columns), on PostgreSQL and SQLite."""

    type = Date()
    name = "days_before"
    inherit_cache = True


@compiles(days_before)
def _days_before_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


@compiles(days_before, "postgresql")
def _days_before_postgresql(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} - {compiler.process(days, **kw)})"


# ---- the sources that exist now --------------------------------------------------------------

def agreement_term_source(agreement_ids, start: date, end: date, windows: bool = True) -> list[KeyDate]:
    """End of term, renewal / termination-notice deadline and (unless `windows` is false) the modification
    window of live agreements."""
    query = select(
        Agreement.id, Agreement.title, Agreement.status, Agreement.effective_date, Agreement.end_date,
        Agreement.renewal, Agreement.renewal_months, Agreement.notice_days, Agreement.modification_window_start,
    ).where(Agreement.status.in_(workflow.LIVE))
    query = within(query, Agreement.id, agreement_ids)
    ends_near = Agreement.end_date.between(start, end) | (
        Agreement.notice_days.is_not(None) & days_before(Agreement.end_date, Agreement.notice_days).between(start, end))
    rolls_on = (Agreement.renewal == "automatic") & (Agreement.status == workflow.ACTIVE) & (Agreement.end_date < start)
    wanted = ends_near | rolls_on
    if windows:
        wanted = wanted | Agreement.modification_window_start.in_(months_between(start, end))
    query = query.where(wanted)
    return [d for row in db.session.execute(query) for d in term_dates(row, start, end, windows)]


def goal_source(agreement_ids, start: date, end: date) -> list[KeyDate]:
    query = (select(Goal.id, Goal.statement, Goal.due_date, Agreement.id.label("agreement_id"), Agreement.title)
             .join(Agreement, Agreement.id == Goal.agreement_id)
             .where(Goal.due_date >= start, Goal.due_date <= end, Goal.progress < 100,
                    Agreement.status.not_in(workflow.CLOSED)))
    return [KeyDate(r.due_date, "goal", _("Goal due: %(goal)s", goal=r.statement), r.agreement_id, r.title, f"goal-{r.id}")
            for r in db.session.execute(within(query, Agreement.id, agreement_ids))]


add_source(agreement_term_source)
add_source(goal_source)
