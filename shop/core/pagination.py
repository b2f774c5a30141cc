"""A paginator that counts in the page's own query.

Django's ``Paginator`` runs the filter twice: ``COUNT(*)`` for the number of pages, then
the page itself. For a search that ranks hundreds of matches that is the costliest work
done twice. Here the page query carries ``COUNT(*) OVER ()``, the size of the whole match,
and a separate count runs only when the asked-for page has no rows (an empty result, or a
page number past the end, which then shows the last page as ``get_page`` does).
"""

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

TOTAL = "_soko_total"


class WindowCountPaginator(Paginator):
    def get_page(self, number) -> Page:
        try:
            number = max(1, int(number))
        except (TypeError, ValueError, OverflowError):
            number = 1
        bottom = (number - 1) * self.per_page
        if bottom > 10**9:  # no list is that long: spare the database the offset
            return super().get_page(number)
        rows = list(self.object_list.annotate(**{TOTAL: Window(Count("pk"))})[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = getattr(rows[0], TOTAL)
            return Page(rows, number, self)
        return super().get_page(number)  # counts, then the last page (or an empty first one)
