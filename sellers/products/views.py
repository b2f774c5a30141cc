"""The seller's products: list, create, edit, duplicate and bulk actions under /dashboard/products/."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shop.catalog.models import Product
from shop.catalog.services.products import (
    product_duplicate,
    product_save,
    products_bulk_set_status,
    store_listings_skip_review,
)
from shop.core.htmx import render_page
from shop.core.ids import int_or_none
from shop.core.search import search_text
from shop.inventory.services import StockChangedMeanwhile

from ..decorators import current_store, dashboard_context, seller_required
from ..selectors import CurrentStore
from .forms import BulkActionForm, ProductEditor
from .selectors import (
    STATUS_TABS,
    product_for_editing,
    product_get_for_member,
    products_get_in_store,
    store_product_status_counts,
    store_products,
)

PAGE_SIZE = 20


@seller_required
def products(request):
    current = current_store(request)
    store = current.store
    query = search_text(request.GET.get("q"))
    status = request.GET.get("status", "")
    if status not in Product.Status.values:
        status = ""
    page = Paginator(store_products(store=store, query=query, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = store_product_status_counts(store=store)
    context = {
        **dashboard_context(request, current),
        "page": page,
        "query": query,
        "status": status,
        "tabs": [(value, label, counts.get(value, 0)) for value, label in STATUS_TABS],
        "currency": store.currency,
        "back": _list_query(query=query, status=status, page=page.number if page.number > 1 else None),
    }
    return render_page(request, "sellers/products/list.html", context, fragment="results")


@seller_required
def product_create(request):
    return _product_form(request, current=current_store(request), product=None)


@seller_required
def product_edit(request, pk: int):
    product = product_get_for_member(user=request.user, pk=pk)
    # A product of another of the user's stores (a moderation notice's link) makes that store current.
    return _product_form(request, current=current_store(request, switch_to=product.store_id), product=product)


def _product_form(request, *, current: CurrentStore, product: Product | None):
    store = current.store
    editing = product_for_editing(product=product) if product else None
    editor = ProductEditor(store=store, product=editing, data=request.POST or None, files=request.FILES or None)
    if request.method == "POST" and editor.is_valid():
        try:
            saved = product_save(store=store, product=product, publish=request.POST.get("publish") == "1", **editor.save_kwargs())
        except StockChangedMeanwhile as error:
            editor.stock_changed(error)
        except ValidationError as error:
            editor.add_error(error)
        else:
            messages.success(request, _saved_message(saved))
            return redirect("sellers:product_edit", saved.pk)
    return render(
        request,
        "sellers/products/form.html",
        {
            **dashboard_context(request, current),
            "product": product,
            "skips_review": store_listings_skip_review(store=store),
            "editor": editor,
            "currency": store.currency,
            "image_limit": settings.SOKO_IMAGE_MAX_COUNT,
        },
    )


def _saved_message(product: Product) -> str:
    title = f"“{product.title}”"
    if product.status == Product.Status.PENDING:
        return _("%(title)s is saved and waiting for review; you will be notified when staff have looked at it.") % {"title": title}
    if product.is_visible:
        return _("%(title)s is saved and live in your store.") % {"title": title}
    if product.status == Product.Status.DRAFT:
        return _("%(title)s is saved as a draft. %(capitalize)s when it is ready.") % {"title": title, "capitalize": _publish_it(product.store).capitalize()}
    return _("%(title)s is saved.") % {"title": title}


def _publish_it(store) -> str:
    return _("publish it") if store_listings_skip_review(store=store) else _("submit it for review")


@seller_required
@require_POST
def product_duplicate_view(request, pk: int):
    product = product_get_for_member(user=request.user, pk=pk)
    copy = product_duplicate(product=product)
    messages.success(
        request,
        _("Made a copy of “%(title)s”. The copy is a draft: check it, then %(publish_it)s.") % {"title": product.title, "publish_it": _publish_it(product.store)},
    )
    return redirect("sellers:product_edit", copy.pk)


@seller_required
@require_POST
def products_bulk(request):
    current = current_store(request)
    store = current.store
    form = BulkActionForm(request.POST)
    back = _safe_query(request.POST.get("back", ""))
    list_url = reverse("sellers:products") + (f"?{back}" if back else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(list_url)
    # 404, and nothing changes, if any ticked id is not this store's.
    chosen = products_get_in_store(store=store, pks=form.cleaned_data["ids"])
    action = form.cleaned_data["action"]
    if action == "delete" and not form.cleaned_data["confirm"]:
        return render(
            request,
            "sellers/products/confirm_delete.html",
            {**dashboard_context(request, current), "products": chosen, "back": back, "list_url": list_url},
        )
    changed = products_bulk_set_status(store=store, product_ids=[product.pk for product in chosen], action=action)
    _bulk_messages(request, action=action, changed=changed, chosen=len(chosen))
    return redirect(list_url)


def _bulk_messages(request, *, action: str, changed: int, chosen: int) -> None:
    """What a bulk action did, whole sentences per action (each language has its plurals)."""
    if changed:
        done = {
            "archive": ngettext("%(count)s product archived.", "%(count)s products archived.", changed),
            "activate": ngettext("%(count)s product live again.", "%(count)s products live again.", changed),
            "delete": ngettext("%(count)s product deleted.", "%(count)s products deleted.", changed),
        }[action]
        messages.success(request, done % {"count": changed})
    skipped = chosen - changed
    if skipped:
        left = {
            "archive": ngettext(
                "%(count)s product left as they were: only live products can be archived.",
                "%(count)s products left as they were: only live products can be archived.",
                skipped,
            ),
            "activate": ngettext(
                "%(count)s product left as they were: only archived products that staff approved can be made live"
                " again; submit the others for review.",
                "%(count)s products left as they were: only archived products that staff approved can be made live"
                " again; submit the others for review.",
                skipped,
            ),
            "delete": ngettext(
                "%(count)s product left as they were: they were already gone.",
                "%(count)s products left as they were: they were already gone.",
                skipped,
            ),
        }[action]
        messages.warning(request, left % {"count": skipped})


def _list_query(*, query: str, status: str, page: int | None) -> str:
    params = QueryDict(mutable=True)
    for key, value in (("q", query), ("status", status), ("page", page)):
        if value:
            params[key] = value
    return params.urlencode()


def _safe_query(raw: str) -> str:
    """Only the list's own filters survive the round trip through the bulk form."""
    params = QueryDict(raw)
    page = params.get("page")
    return _list_query(
        query=params.get("q", "")[:100], status=params.get("status", ""), page=int_or_none(page, minimum=1)
    )
