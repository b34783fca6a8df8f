"""A page of a long list and a bound on its length, in one query: the way every statewide list pages.

`bounded(query, page, per_page)` reads the rows from the page's start, at most BOUND + 1 of them, once: the page is
the first `per_page` of them, and the count is how many there were (a window count before the outer LIMIT). So a
list of 10,000 agreements or 4,000 drives costs no count of every row, and a search reads its matches once, not
once for the page and again for the count (docs/performance.md). The template's `pager` macro (_form.html) shows
"Page 2 of more than 40" when the bound was reached."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.sql.util import ClauseAdapter

from tracker.extensions import db

BOUND = 1_000


@dataclass
class ListPage:
    """A page of a list and a bound on its length: rows are counted only up to BOUND past this page's start.
    `total` is exact when `more` is false."""

    items: list
    page: int
    per_page: int
    total: int
    more: bool  # there are more than `total` rows

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or self.more

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def bounded(query, page: int, per_page: int) -> ListPage:
    """The page of `query` (a SELECT of columns with its ORDER BY) as rows, with its bounded count (one query).
    Each row has the query's columns, then `counted`."""
    page = max(1, page)
    start = (page - 1) * per_page
    window = query.offset(start).limit(BOUND + 1).subquery()
    ordering = [ClauseAdapter(window).traverse(clause) for clause in query._order_by_clauses]
    rows = db.session.execute(select(window, func.count().over().label("counted")).order_by(*ordering)
                              .limit(per_page)).all()
    counted = rows[0].counted if rows else 0
    return ListPage(rows, page, per_page, start + min(counted, BOUND), counted > BOUND)
