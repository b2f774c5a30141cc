"""The catalog's stamp: a short text that changes whenever anything a catalog page shows
changes, read in one query (the count and highest id of ``CatalogChange`` rows, which
database triggers write). Keys of cached catalog pages and facets include it, so they are
never read again once the catalog has moved on."""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max

from shop.catalog.models import CatalogChange, Category, Product, Variant

# How many changes are recorded and the highest id among them: a stamp's two figures. In
# SQL, not through the ORM, whose aggregate costs seven times the statement's own CPU (0.36
# against 0.05 ms), and every catalog page asks, its cached copies included.
CHANGES_FIGURES = f"SELECT COUNT(id) AS changes, MAX(id) AS last FROM {CatalogChange._meta.db_table}"


def stamp_text(changes: int, last: int | None) -> str:
    return f"{changes}.{last or 0}"


def catalog_stamp(request=None) -> str:
    """The current stamp (read once per request when ``request`` is given)."""
    cached = getattr(request, "_soko_catalog_stamp", None)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(CHANGES_FIGURES)
        stamp = stamp_text(*cursor.fetchone())
    if request is not None:
        request._soko_catalog_stamp = stamp
    return stamp


# The changes recorded without a category or a store (``CATEGORY_SCOPED``, ``STORE_SCOPED``):
# every page follows them.
SHARED_CHANGES = f"({CHANGES_FIGURES} WHERE category_id IS NULL AND store_id IS NULL) AS shared"


def product_page_key(request, *, slug: str) -> tuple | None:
    """What a product page's copy is keyed by, in one query: the changes of its listing's
    category, those of its store and the shared ones (those recorded with neither), not the
    whole catalog's stamp, so that an edit of a listing elsewhere leaves the page kept (it
    shows its own listing and others of its category: ``CATEGORY_SCOPED``; its store's
    rating: ``STORE_SCOPED``); and the sale counters
    it shows, which no stamp follows (each variant's units left, the orders counted). The
    catalog's stamp is read in the same statement and kept for the request. None for a
    listing sold by auction, whose page offers the auction's current bid: it is never kept."""
    changes, products, variants = CatalogChange._meta.db_table, Product._meta.db_table, Variant._meta.db_table
    rows = catalog_stamp_and(
        request,
        "shared.changes, shared.last, "
        f"(SELECT COUNT(id) FROM {changes} AS scoped WHERE scoped.category_id = counted.category_id), "
        f"(SELECT MAX(id) FROM {changes} AS scoped WHERE scoped.category_id = counted.category_id), "
        f"(SELECT COUNT(id) FROM {changes} AS own WHERE own.store_id = counted.store_id), "
        f"(SELECT MAX(id) FROM {changes} AS own WHERE own.store_id = counted.store_id), "
        "counted.listing_type, counted.orders_count, variant.id, variant.stock FROM {changes} "
        f"CROSS JOIN {SHARED_CHANGES} "
        f"LEFT JOIN {products} AS counted ON counted.slug = %s "
        f"LEFT JOIN {variants} AS variant ON variant.product_id = counted.id ORDER BY variant.id",
        [slug],
    )
    first = rows[0]
    if first[6] == Product.Listing.AUCTION:
        return None
    return (stamp_text(*first[0:2]), stamp_text(*first[2:4]), stamp_text(*first[4:6]), tuple(row[7:] for row in rows))


def category_page_key(request, *, slug: str) -> tuple:
    """What a category page's copy is keyed by, in one query: the changes of the categories
    under it (itself and its descendants, whose listings it shows) and the shared ones, so
    that an edit of a listing in another part of the tree leaves it kept."""
    categories = Category._meta.db_table
    subtree = (
        f"WITH RECURSIVE subtree (id) AS (SELECT id FROM {categories} WHERE slug = %s "
        f"UNION ALL SELECT child.id FROM {categories} AS child JOIN subtree ON child.parent_id = subtree.id) "
    )
    [row] = catalog_stamp_and(
        request,
        "shared.changes, shared.last, scoped.changes, scoped.last FROM {changes} "
        f"CROSS JOIN {SHARED_CHANGES} "
        f"CROSS JOIN ({CHANGES_FIGURES} WHERE category_id IN (SELECT id FROM subtree)) AS scoped",
        [slug],
        before=subtree,
    )
    return stamp_text(*row[0:2]), stamp_text(*row[2:4])


def catalog_stamp_and(request, select: str, params: list, *, before: str = "") -> tuple:
    """``SELECT <the stamp>, <select>`` (``{changes}`` in it: the stamp's subquery) in one
    statement, which reads both from one snapshot, so the stamp is never newer than the
    rest; the stamp is kept for the request as ``catalog_stamp`` keeps it, and the rest
    returned, a tuple per row. ``before``: a ``WITH`` clause the select uses. Their tables
    are the models' own names, never input."""
    changes = f"({CHANGES_FIGURES}) AS stamp"
    with connection.cursor() as cursor:
        cursor.execute(before + "SELECT stamp.changes, stamp.last, " + select.format(changes=changes), params)
        rows = cursor.fetchall()
    request._soko_catalog_stamp = stamp_text(*rows[0][0:2])
    return tuple(row[2:] for row in rows)


def catalog_changed() -> None:
    """Records a change the triggers cannot see (a new release's templates and code)."""
    CatalogChange.objects.create()


def catalog_changes_prune() -> int:
    """Deletes the recorded changes once there are more than SOKO_CATALOG_CHANGES_KEEP, and
    records one new change in the same transaction. Within two prunes rows are only added,
    so the count grows with every committed change; the new row's id is higher than any
    before it, so no stamp after a prune equals one before it. Returns the rows deleted."""
    with transaction.atomic():
        row = CatalogChange.objects.aggregate(count=Count("id"), last=Max("id"))
        if row["count"] <= settings.SOKO_CATALOG_CHANGES_KEEP:
            return 0
        deleted, _ = CatalogChange.objects.filter(id__lte=row["last"]).delete()
        CatalogChange.objects.create()
    return deleted
