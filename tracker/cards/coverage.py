"""Card-drive progress as bars (tracker.charts): per school or per drive, the share of enrolment covered (cards
issued, and students who already had one) against the target. The drive's page, the dashboard and the annual report
draw it."""
from flask_babel import gettext as _

from tracker import charts, formats


def _share(count: int, row: dict) -> float:
    return 100 * count / row["enrolment"] if row["enrolment"] else 0


def chart(title: str, rows: list[dict], name=lambda r: r["name"]) -> charts.Bars:
    """`rows` are progress rows (tracker.cards.drives.progress_row); `name` gives a row's label."""
    items = [charts.Bar(name(r), formats.percent(r["percent"]),
                        [(_share(r["issued"], r), "main"), (_share(r["already_had"], r), "second")],
                        r["target"] or None, _("target %(t)s", t=formats.percent(r["target"])) if r["target"] else "")
             for r in rows]
    return charts.bars(title, items, top=100, key=[("main", _("Issued")), ("second", _("Already had a card"))],
                       target_label=_("Target"))
