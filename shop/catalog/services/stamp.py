"""The catalog's stamp: a short text that changes whenever anything a catalog page shows
changes, read in one query (the count and highest id of ``CatalogChange`` rows, which
database triggers write). Keys of cached catalog pages and facets include it, so they are
never read again once the catalog has moved on."""

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max

from shop.catalog.models import CatalogChange


def catalog_stamp(request=None) -> str:
    """The current stamp (read once per request when ``request`` is given)."""
    cached = getattr(request, "_soko_catalog_stamp", None)
    if cached is not None:
        return cached
    row = CatalogChange.objects.aggregate(count=Count("id"), last=Max("id"))
    stamp = f"{row['count']}.{row['last'] or 0}"
    if request is not None:
        request._soko_catalog_stamp = stamp
    return stamp


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
