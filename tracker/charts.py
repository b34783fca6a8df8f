"""Charts drawn on the server as SVG, for wherever people compare numbers: the geometry here, the drawing in
templates (health/_chart.html for the survey's trend, _chart.html's `bar_chart` for bars). No script, nothing fetched.

- `item_chart`: the survey's trend, one small chart per item, a line per party (colours from classes in app.css).
- `bars`: a bar per thing compared (cards issued per school against its target, what each party gives, milestones by
  outcome), its whole label above it (wrapped, never cut), its value in words beside it, the target as a mark. Bars
  carry their colours and type sizes as SVG presentation attributes: WeasyPrint does not apply the page's stylesheet
  inside an SVG, and the CSP, which forbids inline styles, allows them. They are drawn 1:1 (14 px type) on a wide
  screen and scaled to fit a phone (12 px type at 390 px).
"""
import math
import textwrap
from dataclasses import dataclass, field

WIDTH, HEIGHT, PAD_LEFT, PAD_RIGHT, PAD_Y = 320, 150, 30, 12, 14


@dataclass
class Series:
    css: str
    name: str
    points: list[tuple[float, float, float]]  # x, y, score

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


def y_of(score: float) -> float:
    return PAD_Y + (5 - score) / 4 * (HEIGHT - 2 * PAD_Y)


def x_of(index: int, count: int) -> float:
    if count <= 1:
        return PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) / 2
    return PAD_LEFT + index * (WIDTH - PAD_LEFT - PAD_RIGHT) / (count - 1)


def anchor(index: int, count: int) -> str:
    """Where a round's label hangs from its x: the first starts there and the last ends there, so neither is cut."""
    if count > 1 and index == 0:
        return "start"
    if count > 1 and index == count - 1:
        return "end"
    return "middle"


def item_chart(means_by_party: dict, parties: list[tuple[int, str]], rounds: list) -> dict:
    """Geometry for one item: grid lines at 1-5, a labelled x per round, a series per party that answered."""
    count = len(rounds)
    series = []
    for index, (org_id, name) in enumerate(parties):
        values = means_by_party.get(org_id, [])
        points = [(x_of(i, count), y_of(v), v) for i, v in enumerate(values) if v is not None]
        if points:
            series.append(Series(f"series-{index % 4}", name, points))
    return {
        "width": WIDTH, "height": HEIGHT,
        "grid": [(score, y_of(score)) for score in range(1, 6)],
        "x_labels": [(x_of(i, count), r.title, anchor(i, count)) for i, r in enumerate(rounds)],
        "left": PAD_LEFT, "right": WIDTH - PAD_RIGHT, "bottom": HEIGHT,
        "series": series,
    }


# ---- bars ------------------------------------------------------------------------------------

BARS_WIDTH, FONT, LINE, BAR, GAP = 360, 14, 18, 14, 14
WRAP = 40  # characters on a label's line: 40 of the widest text fit in BARS_WIDTH at FONT
FIGURE = 9.2  # the width of a digit or $ in bold at FONT; the values' room is their longest text's (`measure`)
NARROW, WIDE = {".": 5.0, ",": 5.0, " ": 5.0}, {"%": 13.5, "—": 14.0}
TONES = {"main": "#2f6db5", "second": "#8fb8e6", "track": "#e3e7ec", "target": "#b3261e", "text": "#222222"}


@dataclass
class Bar:
    label: str  # whole, wrapped onto as many lines as it needs
    text: str  # the value as a person reads it ("82%", "$1,200.00", "3")
    parts: list[tuple[float, str]]  # (value, tone) stacked from the left, on the chart's scale
    target: float | None = None
    target_text: str = ""  # the target in words, for the description ("target 85%")


@dataclass
class Bars:
    title: str
    rows: list[dict]
    height: int
    key: list[tuple[str, str, bool]] = field(default_factory=list)  # (colour, label, is the target's mark)
    desc: str = ""
    width: int = BARS_WIDTH
    track: int = BARS_WIDTH
    font: int = FONT
    bar: int = BAR
    tones: dict = field(default_factory=lambda: TONES)


def measure(text: str) -> float:
    """About how wide a value's text is drawn, bold at FONT (a little wider than DejaVu Sans Bold and Verdana Bold)."""
    return sum(NARROW.get(c) or WIDE.get(c) or FIGURE for c in text)


def bars(title: str, items: list[Bar], top: float | None = None, key: list[tuple[str, str]] = (),
         target_label: str = "") -> Bars:
    """The geometry of a bar per item on one scale (0 to `top`, by default the largest value or target)."""
    track = BARS_WIDTH - math.ceil(max([measure(b.text) for b in items] + [3 * FIGURE])) - 10
    top = top or max([sum(v for v, _t in b.parts) for b in items] + [b.target or 0 for b in items] + [0]) or 1
    rows, y = [], 0
    for b in items:
        lines = textwrap.wrap(b.label, WRAP) or ["—"]
        bar_y = y + len(lines) * LINE + 4
        segments, x = [], 0.0
        for value, tone in b.parts:
            width = max(0.0, min(track - x, track * (value or 0) / top))
            segments.append((round(x, 1), round(width, 1), TONES[tone]))
            x += width
        rows.append({"lines": [(y + FONT + i * LINE, line) for i, line in enumerate(lines)], "bar_y": bar_y,
                     "segments": [s for s in segments if s[1] > 0], "text": b.text, "text_y": bar_y + BAR - 2,
                     "target_x": None if b.target is None else round(track * min(b.target, top) / top, 1)})
        y = bar_y + BAR + GAP
    marks = [(TONES[tone], label, False) for tone, label in key]
    if target_label and any(b.target is not None for b in items):
        marks.append((TONES["target"], target_label, True))
    desc = "; ".join(f"{b.label}: {b.text}" + (f" ({b.target_text})" if b.target_text else "") for b in items)
    return Bars(title, rows, max(y - GAP + 4, 1), marks, desc, track=track)
