"""The annual partnership report, per agreement or per organisation, built from a list of sections.

The seam: REPORT_SECTIONS is a list of ReportSection(key, title, template, collect, tables).
`collect(subject)` gets the ReportSubject (the agreement ids, the parties to show, the school
year) and returns the section's data; `tables(data)` turns it into (sheet title, header, rows)
for CSV and XLSX. The page and the PDF include each section's template. Registered here:
resources shared and their value, milestones met, SMART goals, the survey trend; the card-drive
package adds "cards" (cards issued and % of enrolment per school) in tracker/cards/overview.py.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import charts, clock, formats
from tracker.agreements.models import Agreement, Goal, Party
from tracker.agreements.service import WITH_PARTIES
from tracker.auth.permissions import WHOLE
from tracker.extensions import db
from tracker.registry import Registry
from tracker.health import service as health
from tracker.health.models import ITEMS, SurveyRound
from tracker.milestones.models import STATUSES, Milestone
from tracker.orgs.models import Organisation
from tracker.orgs.tree import descendants_and_self
from tracker.resources import service as resources
from tracker.scope.agreements import visible
from tracker.spreadsheets import Money, Percent


@dataclass(frozen=True)
class SchoolYear:
    """1 July to 30 June, the year partnerships between schools and libraries run on."""

    first: int

    @classmethod
    def containing(cls, day: date) -> "SchoolYear":
        return cls(day.year if day.month >= 7 else day.year - 1)

    @property
    def start(self) -> date:
        return date(self.first, 7, 1)

    @property
    def end(self) -> date:
        return date(self.first + 1, 6, 30)

    @property
    def label(self) -> str:
        return f"{self.first}–{str(self.first + 1)[-2:]}"


@dataclass
class ReportSubject:
    title: str
    kind: str  # "agreement" or "organisation"
    year: SchoolYear
    agreements: list[Agreement]
    parties: list[tuple[int, str]]
    organisation_ids: frozenset[int] | None = None  # an organisation and those below it
    data: dict = field(default_factory=dict)

    @property
    def agreement_ids(self) -> list[int]:
        return [a.id for a in self.agreements]


@dataclass
class ReportSection:
    key: str
    title: object
    template: str
    collect: Callable[[ReportSubject], dict]
    tables: Callable[[ReportSubject, dict], list[tuple[str, list[str], list[list]]]]


REPORT_SECTIONS: Registry = Registry()


def add_section(section: ReportSection, before: str | None = None) -> None:
    REPORT_SECTIONS.add(section, before)


def for_agreement(agreement: Agreement, year: SchoolYear) -> ReportSubject:
    parties = [(p.organisation_id, p.organisation.name) for p in agreement.parties]
    return _build(ReportSubject(agreement.title, "agreement", year, [agreement], parties))


def for_organisation(org: Organisation, scope, year: SchoolYear) -> ReportSubject:
    """The agreements of the organisation and those below it that the user (`scope`) sees whole."""
    below = descendants_and_self([org.id])
    query = visible(select(Agreement), scope, WHOLE).where(
        Agreement.id.in_(select(Party.agreement_id).where(Party.organisation_id.in_(below))))
    found = db.session.execute(query.options(WITH_PARTIES).order_by(Agreement.title)).scalars().all()
    parties = sorted({(p.organisation_id, p.organisation.name) for a in found for p in a.parties}, key=lambda p: p[1])
    return _build(ReportSubject(org.name, "organisation", year, found, parties, below))


def _build(subject: ReportSubject) -> ReportSubject:
    subject.data = {s.key: s.collect(subject) for s in REPORT_SECTIONS}
    return subject


def tables(subject: ReportSubject) -> list[tuple[str, list[str], list[list]]]:
    return [t for s in REPORT_SECTIONS for t in s.tables(subject, subject.data[s.key])]


def csv_rows(subject: ReportSubject) -> tuple[list[str], list[list]]:
    """Every section's table in one file, one after the other, each under its own header row with the columns named
    as on the page (the first section's is the file's header); the first column names the section."""
    found = tables(subject)
    if not found:
        return [_("Section")], []
    width = max(len(header) for _t, header, _r in found)
    rows = []
    for index, (title, header, body) in enumerate(found):
        if index:
            rows.append([_("Section"), *header, *[""] * (width - len(header))])
        rows += [[title, *row, *[""] * (width - len(row))] for row in body]
    first = found[0][1]
    return [_("Section"), *first, *[""] * (width - len(first))], rows


# ---- the sections that exist now -------------------------------------------------------------

def _resources(subject: ReportSubject) -> dict:
    shares = resources.shares_of(subject.agreement_ids, subject.year.start, subject.year.end)
    data = {"shares": shares, "balance": resources.balance(shares, subject.parties)}
    givers = [side for side in data["balance"].sides if side.gives or side.receives]
    data["chart"] = charts.bars(_("Value each party gives per year"), [
        charts.Bar(side.name, formats.money(side.gives), [(side.gives, "main")]) for side in givers]) if givers else None
    if subject.organisation_ids is not None:
        data["outside"] = resources.organisation_balance(shares, subject.organisation_ids)
    return data


def _resource_tables(subject, data):
    header = [_("Agreement"), _("Kind"), _("From"), _("To"), _("What"), _("Quantity"), _("Unit"),
              _("Value per period"), _("Period"), _("Value per year")]
    rows = [[s.agreement.title, s.kind_label, s.provider.name, s.recipient.name, s.description, s.quantity, s.unit,
             Money(s.value_cents), s.period_label, Money(s.yearly_value_cents)] for s in data["shares"]]
    balance = [[side.name, Money(side.gives), Money(side.receives), Money(side.net), Percent(data["balance"].percent(side))]
               for side in data["balance"].sides]
    return [(str(_l("Resources")), header, rows),
            (str(_l("Balance")), [_("Party"), _("Gives"), _("Receives"), _("Net"), _("Share of what is given")], balance)]


def _milestones(subject: ReportSubject) -> dict:
    query = (select(Milestone).where(Milestone.agreement_id.in_(subject.agreement_ids),
                                     Milestone.due_date.between(subject.year.start, subject.year.end))
             .options(selectinload(Milestone.agreement), selectinload(Milestone.party))
             .order_by(Milestone.due_date, Milestone.id))
    items = db.session.execute(query).scalars().all()
    today = clock.today()
    counts = {status: sum(1 for m in items if m.status == status) for status in STATUSES}
    counts["overdue"] = sum(1 for m in items if m.overdue(today))
    decided = counts["done"] + counts["missed"] + counts["overdue"]  # an overdue milestone was not met (yet)
    outcomes = [(STATUSES["done"], counts["done"]), (STATUSES["missed"], counts["missed"]), (_("Overdue"), counts["overdue"]),
                (_("Still open, not yet due"), counts["planned"] + counts["in_progress"] - counts["overdue"])]
    chart = charts.bars(_("Milestones due this school year, by outcome"),
                        [charts.Bar(str(label), str(n), [(n, "main")]) for label, n in outcomes], top=len(items))
    return {"items": items, "counts": counts, "met_percent": round(100 * counts["done"] / decided) if decided else None,
            "today": today, "chart": chart if items else None}


def _milestone_tables(subject, data):
    header = [_("Agreement"), _("Milestone"), _("Owed by"), _("Due"), _("Status"), _("Done on"), _("Overdue")]
    rows = [[m.agreement.title, m.title, m.party.name if m.party else "", m.due_date, m.status_label, m.done_date,
             _("yes") if m.overdue(data["today"]) else ""] for m in data["items"]]
    return [(str(_l("Milestones")), header, rows)]


def _goals(subject: ReportSubject) -> dict:
    query = (select(Goal).where(Goal.agreement_id.in_(subject.agreement_ids)).options(selectinload(Goal.agreement))
             .order_by(Goal.agreement_id, Goal.position))
    goals = db.session.execute(query).scalars().all()
    measured = [g for g in goals if g.progress is not None]
    chart = charts.bars(_("Progress of each SMART goal"), [
        charts.Bar(g.statement, f"{g.progress}%", [(g.progress, "main")]) for g in measured], top=100)
    return {"goals": goals, "chart": chart if measured else None}


def _goal_tables(subject, data):
    header = [_("Agreement"), _("Goal"), _("Measured by"), _("Target"), _("By"), _("Progress")]
    rows = [[g.agreement.title, g.statement, g.measure, g.target, g.due_date,
             Percent(g.progress) if g.progress is not None else None] for g in data["goals"]]
    return [(str(_l("Goals")), header, rows)]


def _survey(subject: ReportSubject) -> dict:
    """Rounds up to the end of the year (earlier ones give the trend), per agreement."""
    rounds = db.session.execute(
        select(SurveyRound).where(SurveyRound.agreement_id.in_(subject.agreement_ids), SurveyRound.opens_on <= subject.year.end)
        .options(selectinload(SurveyRound.agreement)).order_by(SurveyRound.opens_on, SurveyRound.id)
    ).scalars().all()
    return {"trend": health.trend(subject.agreement_ids, list(rounds), subject.parties), "items": ITEMS}


def _survey_tables(subject, data):
    trend = data["trend"]
    header = [_("Round"), _("Agreement"), _("Item"), _("Party"), _("Mean score (1-5)")]
    rows = []
    for i, r in enumerate(trend.rounds):
        for item, label in ITEMS.items():
            for org_id, name in trend.parties:
                mean = trend.means[item][org_id][i]
                if mean is not None:
                    rows.append([r.title, r.agreement.title, str(label), name, mean])
    return [(str(_l("Survey")), header, rows)]


for _section in (
    ReportSection("resources", _l("Resources shared"), "reports/_resources.html", _resources, _resource_tables),
    ReportSection("milestones", _l("Milestones"), "reports/_milestones.html", _milestones, _milestone_tables),
    ReportSection("goals", _l("SMART goals"), "reports/_goals.html", _goals, _goal_tables),
    ReportSection("survey", _l("Assessment survey"), "reports/_survey.html", _survey, _survey_tables),
):
    add_section(_section)
