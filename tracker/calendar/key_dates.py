"""Key dates: every date someone must act on, derived from the agreements and their parts.

The seam: a Source is `rows(agreement_ids, start, end) -> Select` and `make(row) -> KeyDate`.
`rows` is a SELECT of ROW's columns (build them with `row(...)`): the source's dates falling in
[start, end], the date arithmetic done in the database (`months_later`, `plus_days`,
`first_of_month`, written for PostgreSQL and SQLite), with no ORDER BY or LIMIT. `agreement_ids`
is what the dates are about: a SELECT of agreement ids (a user's scope), a list of ids, or None for
every agreement. `collect` puts every source's SELECT into one UNION ALL: one query whatever the
number of agreements and sources. `make` turns a row into a KeyDate (labels, uids: no arithmetic).
A source's kinds go into KINDS (label shown in digests, feeds and the profile's reminder switches).
Registered here: agreement term dates and goals. Other packages register theirs with
`add_source(Source(...), kinds)`: milestones, resource shares, survey rounds,
tracker/cards/overview.py ("data_destruction", from the data-sharing spec) and
tracker/documents/overview.py ("signing_link", outside signers' links about to expire).

Reminders, calendar feeds, the agreement's key dates and the dashboard read them through `collect`
(the dashboard's "ending" panel through `term_rows`, to sort and count in the database).
"""
import calendar
import dataclasses
import functools
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import (Date, DateTime, Integer, String, and_, any_, bindparam, case, cast, func, literal, null, or_,
                        select,
                        type_coerce, union_all)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from tracker import clock
from tracker.agreements import workflow
from tracker.agreements.models import Agreement, Goal, Party
from tracker.auth.permissions import Relation
from tracker.extensions import db
from tracker.scope.agreements import relations
from tracker.scope.sql import inside


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
WHOLE_ONLY: set[str] = {"survey"}  # kinds for those who see the whole agreement, not those below a party


@dataclass(frozen=True)
class Source:
    rows: Callable  # (agreement_ids, window: Window) -> Select of ROW's columns, the dates in the window
    make: Callable  # (row) -> KeyDate
    kinds: frozenset = frozenset()  # the kinds its rows have


@dataclass(frozen=True)
class Window:
    """[start, end] as SQL parameters, given their values when the query runs (`window_values`), so that a
    statement is built once per shape (its sources, how many calendar years the window touches, whether the
    agreements are a list) and serves every window and every list of agreements."""

    years: int  # how many calendar years [start, end] touches: a source may need one part per year
    start = bindparam("kd_start", type_=Date)
    end = bindparam("kd_end", type_=Date)
    start_at = bindparam("kd_start_at", type_=DateTime)  # the start's first moment
    end_at = bindparam("kd_end_at", type_=DateTime)  # the end's last moment
    start_year = bindparam("kd_start_year", type_=Integer)
    start_month = bindparam("kd_start_month", type_=Integer)  # months since year 0 (`month_number`)


def window_values(start: date, end: date, zone=None) -> dict:
    """The window's values; its moments are the first and last of its days in the reader's `zone` (UTC without)."""
    zone = zone or ZoneInfo("UTC")
    return {"kd_start": start, "kd_end": end, "kd_start_at": clock.stored(start, time.min, zone),
            "kd_end_at": clock.stored(end, time.max, zone), "kd_start_year": start.year,
            "kd_start_month": start.year * 12 + start.month - 1}


def window_of(start: date, end: date) -> Window:
    return Window(end.year - start.year + 1)


SOURCES: list[Source] = []


def add_source(source: Source, kinds: dict | None = None, whole_only: bool = False) -> None:
    """Register a source; `kinds`: labels of the kinds it adds to KINDS (its `kinds` are filled from them)."""
    if kinds:
        source = Source(source.rows, source.make, source.kinds | frozenset(kinds))
    if source not in SOURCES:
        SOURCES.append(source)
    KINDS.update(kinds or {})
    if whole_only:
        WHOLE_ONLY.update(kinds or {})


# The columns every source's SELECT gives, in this order (NULL where it has nothing to say).
ROW = {"on": Date, "kind": String, "agreement_id": Integer, "agreement_title": String,
       "ref": Integer,  # the id of the thing the date is about (milestone, goal, ...)
       "name": String, "note": String,  # its words (a title, a signer's name and address, ...)
       "number": Integer, "months": Integer,  # figures (notice days, renewal months, a version's number)
       "term_end": Date, "end_date": Date,  # an agreement's current term end and its first end date
       "owner_user_id": Integer, "owed_by": Integer,
       "at": DateTime}  # a date that is a moment (a link's expiry, UTC): its `on` is the reader's day of it


def row(**columns) -> list:
    """The columns of ROW for a source's SELECT: the given expressions, typed, and NULL for the others."""
    unknown = set(columns) - set(ROW)
    if unknown:
        raise ValueError(f"not key-date columns: {sorted(unknown)}")
    return [type_coerce(columns[name], kind).label(name) if name in columns else cast(null(), kind).label(name)
            for name, kind in ROW.items()]


def collect(agreement_ids, start: date, end: date, kinds=None, scope=None) -> list[KeyDate]:
    """Every source's dates in [start, end], by date (one query). With a user's `scope`, the dates of agreements
    they see from below a party are only those that concern them: no whole-only kinds, and only the milestones
    their organisation owes or they own."""
    dates = dated(agreement_ids, start, end, kinds, clock.zone(scope=scope))
    if scope is not None:
        dates = seen_by(dates, scope)
    return in_order(dates)


def in_order(dates: list[KeyDate]) -> list[KeyDate]:
    """By date, then agreement, words and uid: the order of every list of key dates."""
    return sorted(dates, key=lambda d: (d.on, d.agreement_title, str(d.title), d.uid))


def dated(agreement_ids, start: date, end: date, kinds=None, zone=None) -> list[KeyDate]:
    """Every source's dates in [start, end], in no order, whoever reads them (one query); a moment's date is its
    day in `zone` (the default time zone's without)."""
    sources = tuple(s for s in SOURCES if kinds is None or s.kinds & set(kinds))
    listed = isinstance(agreement_ids, (list, tuple, set, frozenset))
    if not sources or (listed and not agreement_ids):
        return []
    zone = zone or clock.zone()
    window, values = window_of(start, end), window_values(start, end, zone)
    if listed:
        statement, values = _statement(sources, window, db.engine.dialect.name), {**values, **listed_values(agreement_ids)}
    elif agreement_ids is None:
        statement = _statement(sources, window, db.engine.dialect.name, listed=False)
    else:  # a SELECT of ids: built for it
        statement = select(union_all(*(s.rows(agreement_ids, window) for s in sources)).subquery())
    by_kind = {kind: s for s in sources for kind in s.kinds}
    return [_on_the_day(by_kind[r.kind].make(r), r.at, zone) for r in db.session.execute(statement, values)
            if kinds is None or r.kind in kinds]


def _on_the_day(day: KeyDate, at: datetime | None, zone) -> KeyDate:
    """A moment's key date falls on the reader's day of it, not on its UTC date."""
    if at is None:
        return day
    return dataclasses.replace(day, on=at.replace(tzinfo=timezone.utc).astimezone(zone).date())


@functools.lru_cache(maxsize=128)
def _statement(sources: tuple, window: Window, dialect: str, listed: bool = True):
    """The UNION ALL of the sources' SELECTs for a list of agreements (LISTED) or all of them: built once per shape,
    as building it costs more than running it for one agreement."""
    return select(union_all(*(s.rows(LISTED if listed else None, window) for s in sources)).subquery())


LISTED = "listed"  # agreement_ids of a statement built for a list of ids, given as the parameter kd_ids
PARTIES = "parties"  # agreement_ids of a statement built for Parties, given as the parameter kd_orgs


class Parties(NamedTuple):
    """The agreements with a party among these organisations (`scope.agreements.organisations`), for a statement
    built once and given them as one parameter: a district's thousands of agreement ids are never read."""
    organisations: frozenset[int]


def listed_values(agreement_ids) -> dict:
    return {"kd_ids": sorted(map(int, agreement_ids))}


def seen_by(dates: list[KeyDate], scope, parties: dict | None = None) -> list[KeyDate]:
    """The dates that concern a user: all of the agreements they see whole (or are told of as manager or
    owner); of those they see from below a party, no whole-only kinds and only their own milestones.
    `parties`: the agreements' party organisations (`parties_of`), when already read."""
    if scope.everything:
        return dates
    below = {i for i, r in relations(scope, {d.agreement_id for d in dates}, parties).items() if r is Relation.BELOW}
    return [d for d in dates if d.agreement_id not in below or _concerns(d, scope)]


def _concerns(day: KeyDate, scope) -> bool:
    if day.kind in WHOLE_ONLY:
        return False
    return day.kind != "milestone" or scope.owes(day.owner_user_id, day.owed_by)


def within(query, column, agreement_ids):
    """Restrict a query to the agreements the dates are about (a SELECT of ids, a list of ids, or None: all)."""
    if agreement_ids is None:
        return query
    if agreement_ids is LISTED:
        return query.where(_bound(column, "kd_ids"))
    if agreement_ids is PARTIES:
        return query.where(column.in_(select(Party.agreement_id).where(_bound(Party.organisation_id, "kd_orgs"))))
    return query.where(inside(column, agreement_ids))


def _bound(column, name: str):
    """`column` among the ids given as the parameter `name`: one array on PostgreSQL, an expanding IN on SQLite."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))


# ---- date arithmetic, in Python and in SQL ------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """Same day `months` later; the 31st becomes the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _sql_function(name: str, result, sqlite: str, postgresql: str, doc: str):
    """A SQL function of ours, written out per database: `sqlite` and `postgresql` are templates whose {0}, {1}...
    are the compiled arguments."""
    function = type(name, (FunctionElement,), {"type": result, "name": name, "inherit_cache": True, "__doc__": doc})

    def written(template):
        return lambda element, compiler, **kw: template.format(*(compiler.process(c, **kw) for c in element.clauses))

    compiles(function)(written(sqlite))
    compiles(function, "postgresql")(written(postgresql))
    return function


# PostgreSQL's date + interval clamps the 31st to the month's last day, as `add_months` does. SQLite's '+N months'
# rolls 31 January over to 3 March, so there it is the first of the day's month moved N months, plus the day less
# one, or that month's last day if earlier.
months_later = _sql_function(
    "months_later", Date(),
    "min(date({0}, 'start of month', printf('%+d months', {1}), printf('%+d days', CAST(strftime('%d', {0}) AS INTEGER) - 1)), "
    "date({0}, 'start of month', printf('%+d months', ({1}) + 1), '-1 day'))",
    "CAST({0} + make_interval(months => CAST({1} AS INTEGER)) AS DATE)",
    "SQL: the same day `months` (>= 0) later, the 31st clamped to the month's last day, as `add_months`.")
plus_days = _sql_function(
    "plus_days", Date(), "date({0}, printf('%+d days', {1}))", "({0} + CAST({1} AS INTEGER))",
    "SQL: the date `days` days after `day` (before, when negative).")
month_number = _sql_function(
    "month_number", Integer(),
    "(CAST(strftime('%Y', {0}) AS INTEGER) * 12 + CAST(strftime('%m', {0}) AS INTEGER) - 1)",
    "(CAST(EXTRACT(YEAR FROM {0}) AS INTEGER) * 12 + CAST(EXTRACT(MONTH FROM {0}) AS INTEGER) - 1)",
    "SQL: months since year 0 (year * 12 + month - 1), to count whole months between two dates.")
first_of_month = _sql_function(
    "first_of_month", Date(), "printf('%04d-%02d-01', {0}, {1})",
    "make_date(CAST({0} AS INTEGER), CAST({1} AS INTEGER), 1)", "SQL: the first day of `month` (1-12) in `year`.")
day_of = _sql_function("day_of", Date(), "date({0})", "CAST({0} AS DATE)", "SQL: the date of a timestamp.")


def current_end(start, start_month):
    """SQL: the end of an agreement's current term as of `start`. An active, automatically renewing agreement
    rolls on past its first end date, term after term, counted from the original end (so 29 Feb keeps coming
    back in leap years): the first end date + k terms that is not before `start`. The smallest k whose month is
    not before `start`'s (`start_month`: its `month_number`) is ceil(whole months / term); if that lands earlier
    in `start`'s month, one term more. `start` and `start_month`: a date and an integer, or SQL parameters."""
    months = Agreement.renewal_months
    whole = start_month - month_number(Agreement.end_date)
    terms = (whole + months - 1) // months  # whole >= 0 when it rolls: floor is the integer division
    first_try = months_later(Agreement.end_date, terms * months)
    rolls = and_(Agreement.renewal == "automatic", Agreement.renewal_months > 0, Agreement.status == workflow.ACTIVE,
                 Agreement.end_date < start)
    return case((rolls, case((first_try >= start, first_try),
                             else_=months_later(Agreement.end_date, (terms + 1) * months))),
                else_=Agreement.end_date)


# ---- the sources here: term dates and goals -------------------------------------------------------

TERM_KINDS = frozenset({"end_of_term", "renewal_notice", "termination_notice", "modification_window"})


def term_rows(agreement_ids, window: Window, windows: bool = True):
    """End of term, renewal / termination-notice deadline and (unless `windows` is false) the modification
    window opening each year, of live agreements, in the window: a SELECT of ROW."""
    start, end = window.start, window.end
    live = select(Agreement.id, Agreement.title, Agreement.effective_date, Agreement.end_date, Agreement.renewal,
                  Agreement.renewal_months, Agreement.notice_days, Agreement.modification_window_start,
                  current_end(start, window.start_month).label("term_end")).where(Agreement.status.in_(workflow.LIVE))
    live = within(live, Agreement.id, agreement_ids).cte("live_terms")
    deadline = plus_days(live.c.term_end, -live.c.notice_days)
    common = dict(agreement_id=live.c.id, agreement_title=live.c.title, note=live.c.renewal, number=live.c.notice_days,
                  months=live.c.renewal_months, term_end=live.c.term_end, end_date=live.c.end_date)
    parts = [
        select(*row(on=live.c.term_end, kind=literal("end_of_term"), **common))
        .where(live.c.term_end.between(start, end)),
        select(*row(on=deadline, kind=case((live.c.renewal == "mutual", "renewal_notice"), else_="termination_notice"),
                    **common))
        .where(live.c.notice_days.is_not(None), live.c.notice_days != 0, deadline.between(start, end)),
    ]
    for later in range(window.years) if windows else ():
        year = window.start_year + later
        opens = first_of_month(year, live.c.modification_window_start)
        parts.append(select(*row(on=opens, kind=literal("modification_window"), ref=year, **common))
                     .where(live.c.modification_window_start.is_not(None), opens.between(start, end),
                            or_(live.c.effective_date.is_(None), opens >= live.c.effective_date),
                            or_(live.c.term_end.is_(None), opens <= live.c.term_end)))
    return select(union_all(*parts).subquery("term_dates"))


def first_term_dates(agreement_ids, start: date, end: date, limit: int) -> tuple[list[KeyDate], int]:
    """The first `limit` ends of term and notice deadlines in [start, end] by date, and how many there are in all
    (one query; agreement_ids: a list, Parties, or None for all)."""
    values, shape = window_values(start, end), None
    if isinstance(agreement_ids, Parties):
        values["kd_orgs"], shape = sorted(agreement_ids.organisations), PARTIES
    elif agreement_ids is not None:
        values, shape = {**values, **listed_values(agreement_ids)}, LISTED
    rows = db.session.execute(_first_terms(window_of(start, end), db.engine.dialect.name, shape, limit), values).all()
    return [make_term_date(r) for r in rows], rows[0].total if rows else 0


@functools.lru_cache(maxsize=32)
def _first_terms(window: Window, dialect: str, shape: str | None, limit: int):
    found = term_rows(shape, window, windows=False).subquery()
    return (select(found, func.count().over().label("total"))
            .order_by(found.c.on, found.c.agreement_title, found.c.agreement_id).limit(limit))


def make_term_date(r) -> KeyDate:
    """A term date's words and uid (the labels are translated when shown)."""
    rolled = "" if r.term_end == r.end_date else f"-{r.term_end.isoformat()}"
    title, detail, suffix = r.agreement_title, "", f"end{rolled}"
    if r.kind == "end_of_term":
        words = _l("End of term: %(title)s", title=title)
    elif r.kind == "renewal_notice":
        words, suffix = _l("Renewal notice due: %(title)s", title=title), f"notice{rolled}"
        detail = _l("Agree on renewal with the partners before the term ends on %(end)s.", end=r.term_end.isoformat())
    elif r.kind == "termination_notice":
        words, suffix = _l("Termination-notice deadline: %(title)s", title=title), f"notice{rolled}"
        detail = (_ln("Give notice by this date, or the agreement renews for %(num)s month.",
                      "Give notice by this date, or the agreement renews for %(num)s months.", r.months)
                  if r.note == "automatic" else
                  _ln("Last day to give %(num)s day's notice before the end of term.",
                      "Last day to give %(num)s days' notice before the end of term.", r.number))
    else:
        words, suffix = _l("Modification window opens: %(title)s", title=title), f"window-{r.ref}"
    return KeyDate(r.on, r.kind, words, r.agreement_id, title, f"agreement-{r.agreement_id}-{suffix}", detail)


def goal_rows(agreement_ids, window: Window):
    query = (select(*row(on=Goal.due_date, kind=literal("goal"), agreement_id=Agreement.id, agreement_title=Agreement.title,
                         ref=Goal.id, name=Goal.statement))
             .join(Agreement, Agreement.id == Goal.agreement_id)
             .where(Goal.due_date.between(window.start, window.end), Goal.progress < 100,
                    Agreement.status.not_in(workflow.CLOSED)))
    return within(query, Agreement.id, agreement_ids)


def make_goal_date(r) -> KeyDate:
    return KeyDate(r.on, "goal", _("Goal due: %(goal)s", goal=r.name), r.agreement_id, r.agreement_title, f"goal-{r.ref}")


add_source(Source(term_rows, make_term_date, TERM_KINDS))
add_source(Source(goal_rows, make_goal_date, frozenset({"goal"})))
