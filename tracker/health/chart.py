"""The survey trend as SVG drawn on the server: one small chart per item, a line per party.

No inline styles or scripts (the CSP forbids them): colours come from classes in app.css.
"""
from dataclasses import dataclass

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
