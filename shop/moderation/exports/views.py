"""Staff exports: the download of a finished file (its requester's permission checked again)
and the progress the exports list polls. Both are served inside the admin (login, staff and
authenticator checked by the admin site)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from shop.core.ids import MAX_ID
from shop.media.services.storage import private_download

from ..models import Export
from .services import export_content_type, export_may_download

PROGRESS_MAX_IDS = 100


@require_GET
def export_download(request, pk: int):
    """The file, to its requester (or a superuser) while they may still export its kind and,
    when it holds personal data, personal data: 403 otherwise, 404 before it is ready."""
    export = Export.objects.filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if export is None:
        raise Http404("No such export.")
    if not export_may_download(request.user, export):
        raise PermissionDenied
    if export.status != Export.Status.DONE or not export.file:
        raise Http404("This export is not ready.")
    name = f"soko-{export.kind}-{export.date_from:%Y%m%d}-{export.date_to:%Y%m%d}.{export.format}"
    return private_download(export.file, filename=name, content_type=export_content_type(export))


@require_GET
def export_progress(request, exports):
    """``{"exports": [{"id", "status", "label", "rows_done", "rows_total"}]}`` of the ``id`` values
    asked for, among ``exports`` (what the list shows this user)."""
    ids = [int(value) for value in request.GET.getlist("id")[:PROGRESS_MAX_IDS] if value.isascii() and value.isdigit()]
    ids = [value for value in ids if 0 < value <= MAX_ID]
    rows = list(exports.filter(pk__in=ids).values("id", "status", "rows_done", "rows_total")) if ids else []
    for row in rows:
        row["label"] = str(Export.Status(row["status"]).label)
    response = JsonResponse({"exports": rows})
    add_never_cache_headers(response)
    return response
