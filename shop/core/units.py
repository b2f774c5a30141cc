"""What "N items" means wherever a shopper or a seller reads it: units, not lines. Two
necklaces are 2 items in the cart, its navbar badge, the checkout and every order list."""

from collections.abc import Iterable

from django.db.models import QuerySet, Sum


def units_count(lines: Iterable) -> int:
    """Units in lines already loaded (cart lines, order items: anything with a ``quantity``)."""
    return sum(line.quantity for line in lines)


def units_count_in(rows: QuerySet) -> int:
    """The same count summed by the database, for rows nobody loads (the navbar badge)."""
    return rows.aggregate(units=Sum("quantity"))["units"] or 0
