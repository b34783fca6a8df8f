"""How card drives show up in the shared overviews: the data-destruction key date (reminders and
calendar feeds), card-drive progress on the dashboard, and cards issued in the annual report."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, literal, select

from tracker.agreements.models import Agreement
from tracker.auth.permissions import Relation
from tracker.calendar.key_dates import KeyDate, Source, add_source, plus_days, row, within
from tracker.cards import coverage, drives
from tracker.cards.models import CardDrive, DataSharingSpec, DriveCount
from tracker.dashboard.service import DashboardView, Panel, add_panel
from tracker.extensions import db
from tracker.orgs.models import Organisation
from tracker.reports.service import ReportSection, ReportSubject, add_section
from tracker.spreadsheets import Percent


def destruction_rows(agreement_ids, window):
    """The day each data-sharing spec says the roster must be destroyed (its fixed date, or so many days after the
    agreement's end: tracker.cards.programme.destruction_date), when it falls in the window."""
    when = case((DataSharingSpec.destroy_on.is_not(None), DataSharingSpec.destroy_on),
                (and_(DataSharingSpec.retention_days_after_end.is_not(None), Agreement.end_date.is_not(None)),
                 plus_days(Agreement.end_date, DataSharingSpec.retention_days_after_end)))
    query = (select(*row(on=when, kind=literal("data_destruction"), agreement_id=Agreement.id,
                         agreement_title=Agreement.title))
             .join(DataSharingSpec, DataSharingSpec.agreement_id == Agreement.id)
             .where(when.between(window.start, window.end)))
    return within(query, Agreement.id, agreement_ids)


def make_destruction_date(r) -> KeyDate:
    return KeyDate(r.on, "data_destruction", _("Student data to be destroyed: %(title)s", title=r.agreement_title),
                   r.agreement_id, r.agreement_title, f"agreement-{r.agreement_id}-destruction",
                   _("The data-sharing spec requires the roster to be destroyed by this date "
                     "(flask --app wsgi privacy purge)."))


def drive_panel(view: DashboardView) -> dict:
    """Drives under way: their totals where the user works on every school (the agreements they see whole), their
    own schools' progress where they work on those only (below a party, and school librarians everywhere)."""
    scope = view.scope
    if scope.own_schools_only(Relation.PARTY):  # even where theirs is a party: a school librarian
        whole, own = [], view.agreement_ids
    else:
        whole, own = view.whole_ids, view.below_ids
    found = {"drives": [] if whole == [] else drives.drive_progress(whole),
             "schools": [] if own == [] else drives.school_progress(own, scope.own),
             "to_close": [] if whole == [] else drives.past_their_end(whole, view.today)}
    found["chart"] = _compared(found)
    return found


def _compared(found: dict):
    """The dashboard's chart, where there is something to compare: the schools of the newest drive under way for
    those who see it whole, their own schools' rows for the others (none for a single school: its bar is there)."""
    if found["drives"]:
        newest = db.session.get(CardDrive, found["drives"][0]["id"])
        rows = drives.by_school(newest)
        title = _("%(drive)s: share of enrolment with a library card per school, against its target", drive=newest.name)
        return coverage.chart(title, rows) if len(rows) > 1 else None
    if len(found["schools"]) > 1:
        return coverage.chart(_("Share of enrolment with a library card, against the target"), found["schools"],
                              lambda r: f"{r['school']} · {r['name']}")
    return None


def _cards(subject: ReportSubject) -> dict:
    """Per school, the counts of the drives that started in the school year."""
    rows = db.session.execute(
        select(Organisation.name, *drives.summed(drives.SUMMED),
               func.max(func.coalesce(DriveCount.target_percent, CardDrive.target_percent)).label("target")).join(DriveCount, DriveCount.school_id == Organisation.id)
        .join(CardDrive, CardDrive.id == DriveCount.drive_id)
        .where(CardDrive.agreement_id.in_(subject.agreement_ids),
               CardDrive.starts_on.between(subject.year.start, subject.year.end))
        .group_by(Organisation.id, Organisation.name).order_by(Organisation.name, Organisation.id)).all()
    schools = [drives.progress_row(r.name, {f: getattr(r, f) for f in drives.SUMMED}, r.target or 0) for r in rows]
    total = drives.progress_row(_("All schools"), {f: sum(s[f] for s in schools) for f in drives.SUMMED}, 0)
    chart = coverage.chart(_("Share of enrolment with a library card per school, against its target"), schools)
    return {"schools": schools, "total": total, "chart": chart if schools else None}


def _card_tables(subject: ReportSubject, data: dict):
    header = [_("School"), _("Enrolment"), _("Issued"), _("Already had"), _("Cannot issue"), _("Opted out"), _("Covered")]
    rows = [[r["name"], r["enrolment"], r["issued"], r["already_had"], r["cannot_issue"], r["opted_out"], Percent(r["percent"])]
            for r in [*data["schools"], data["total"]]] if data["schools"] else []
    return [(str(_l("Library cards")), header, rows)]


add_source(Source(destruction_rows, make_destruction_date), {"data_destruction": _l("Student data destruction")})
add_panel(Panel("card_drives", "cards/_dashboard_drives.html", drive_panel), before="activity")
add_section(ReportSection("cards", _l("Library cards"), "cards/_report_cards.html", _cards, _card_tables), before="resources")
