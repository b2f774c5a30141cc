"""A paginator that counts in the page's own query.

Django's ``Paginator`` runs the filter twice: ``COUNT(*)`` for the number of pages, then
the page itself. For a search that ranks hundreds of matches that is the costliest work
done twice. Here the page query carries ``COUNT(*) OVER ()``, the size of the whole match,
and a separate count runs only when the asked-for page has no rows (an empty result, or a
page number past the end, which then shows the last page as ``get_page`` does).
"""

import json

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Count, IntegerField, Window
from django.db.models.expressions import RawSQL

TOTAL = "_soko_total"


class WindowCountPaginator(Paginator):
    def get_page(self, number) -> Page:
        number = _page_number(number)
        bottom = (number - 1) * self.per_page
        if bottom > 10**9:  # no list is that long: spare the database the offset
            return super().get_page(number)
        rows = list(self.object_list.annotate(**{TOTAL: Window(Count("pk"))})[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], TOTAL)
            return Page(rows, number, self)
        return super().get_page(number)  # counts, then the last page (or an empty first one)


class RankedPagePaginator(Paginator):
    """Pages of a list that may hold a large part of a big table (a search, a category):
    the cost follows the page shown, not the number of matches.

    One query reads the page: its ids come from a narrow subquery that reads and sorts only
    the sort keys (an index gives them in order where one matches; otherwise a top-N sort of
    narrow rows), and only those rows get the list's annotations (a shopper's favourites,
    distances) and prefetches. The same query counts the matches, exactly up to
    ``exact_below`` (a count that stops there); above it the total is an estimate (the
    planner's on PostgreSQL, rounded to two figures) and ``estimated`` is true, so the page
    can say "about"; where there is none, or it is below what was counted, all are counted.
    """

    def __init__(self, object_list, per_page, *, exact_below: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.exact_below = exact_below
        self.estimated = False

    def get_page(self, number) -> Page:
        number = _page_number(number)
        bottom = (number - 1) * self.per_page
        # No list is that long: spare the database the offset and show the last page.
        rows, counted = self._rows(bottom) if bottom <= 10**9 else ([], 0)
        if not rows and number > 1:
            # Past the end (or past an estimate that ran ahead): the last page, counted exactly.
            self.__dict__["count"] = self._narrow().count()
            number = self.num_pages
            rows, _counted = self._rows((number - 1) * self.per_page)
        elif counted <= self.exact_below:
            self.__dict__["count"] = counted
        elif len(rows) < self.per_page:
            self.__dict__["count"] = (number - 1) * self.per_page + len(rows)  # the last page: known
        else:
            estimate = row_estimate(self._narrow().order_by())
            # No estimate, or one below what was counted (the planner knows little of a
            # trigram match): count them all.
            self.estimated = estimate is not None and estimate > counted
            self.__dict__["count"] = _two_figures(estimate) if self.estimated else self._narrow().count()
        return Page(rows, number, self)

    def _narrow(self):
        """The match with no columns but the key and no prefetches: for ids and counts."""
        return self.object_list.prefetch_related(None).values("pk")

    def _rows(self, bottom: int) -> tuple[list, int]:
        """The rows of the page starting at ``bottom``, and the number of matches up to
        ``exact_below`` + 1 (0 when the page is empty)."""
        page_ids = self._narrow()[bottom : bottom + self.per_page]
        sql, params = self._narrow().order_by()[: self.exact_below + 1].query.sql_with_params()
        counted = RawSQL(f"SELECT COUNT(*) FROM ({sql}) matches", params, output_field=IntegerField())  # noqa: S611 - Django's own compiled SQL and its parameters
        rows = list(self.object_list.filter(pk__in=page_ids).annotate(**{TOTAL: counted}))
        return rows, (getattr(rows[0], TOTAL) if rows else 0)


def _page_number(asked) -> int:
    """The page a shopper asked for, as a number from 1 (anything else is the first page)."""
    try:
        return max(1, int(asked))
    except (TypeError, ValueError, OverflowError):
        return 1


def row_estimate(queryset) -> int | None:
    """How many rows the database expects ``queryset`` to return, from its statistics
    (PostgreSQL's plan; no rows are read). None where the database cannot say."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def _two_figures(number: int) -> int:
    """16,384 → 16,000: an estimate shown with no more precision than it has."""
    digits = len(str(number))
    if digits <= 2:
        return number
    step = 10 ** (digits - 2)
    return round(number / step) * step
