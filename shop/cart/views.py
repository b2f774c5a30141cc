import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shop.core.htmx import render_page, wants_fragment
from shop.core.ids import int_or_none
from shop.core.redirects import safe_next_url
from shop.core.selectors.viewer import viewer_figures_forget

from .selectors.summary import cart_item_get_for_cart, cart_summary, variant_get_for_cart
from .services import CartError, cart_accept_price, cart_add, cart_get_for_request, cart_remove, cart_set_quantity

MAX_QUANTITY = 999


def _quantity(value) -> int:
    quantity = int_or_none(value, minimum=-MAX_QUANTITY)
    if quantity is None:
        raise CartError(_("Choose a quantity of at least 1."), code="invalid_quantity")
    if quantity > MAX_QUANTITY:
        raise CartError(_("Choose a quantity up to %(MAX_QUANTITY)s.") % {"MAX_QUANTITY": MAX_QUANTITY}, code="invalid_quantity")
    return quantity


def _click_key(value) -> uuid.UUID | None:
    """The "Add to cart" form's per-click key; a missing or malformed one adds as before."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _next_url(request, default: str) -> str:
    """Where a form without JavaScript returns: ``next`` when it is one of ours."""
    return safe_next_url(request, default=default)


def _render_cart(request, *, updated: bool = False):
    """The cart page, or for htmx its ``#cart`` fragment with the badge and any toasts out of band."""
    summary = cart_summary(cart=cart_get_for_request(request))
    request._soko_cart_count = summary.count  # the badge needs no query of its own
    oob = wants_fragment(request) and updated
    return render_page(request, "cart/detail.html", {"summary": summary, "oob": oob}, fragment="cart")


def detail(request):
    return _render_cart(request)


@require_POST
def add(request):
    variant = variant_get_for_cart(variant_id=request.POST.get("variant"))
    try:
        quantity = _quantity(request.POST.get("quantity", 1))
        change = cart_add(
            cart=cart_get_for_request(request, create=True),
            variant=variant,
            quantity=quantity,
            click_key=_click_key(request.POST.get("click_key", "")),
        )
    except CartError as error:
        messages.error(request, str(error))
    else:
        (messages.warning if change.capped else messages.success)(request, change.message)
    if request.htmx:
        request.__dict__.pop("_soko_cart_count", None)
        viewer_figures_forget(request)
        # The form stays on the page: its next click needs a key of its own.
        context = {"cart_url": reverse("cart:detail"), "click_key": uuid.uuid4()}
        return render(request, "cart/_added.html", context)
    product_url = f"{reverse('catalog:product', args=[variant.product.slug])}?variant={variant.pk}"
    return redirect(_next_url(request, product_url))


def _change_item(request, pk, change):
    cart = cart_get_for_request(request)
    item = cart_item_get_for_cart(cart=cart, item_id=pk)
    try:
        result = change(cart, item)
    except CartError as error:
        messages.error(request, str(error))
    else:
        (messages.warning if result.capped else messages.success)(request, result.message)
    if wants_fragment(request):
        return _render_cart(request, updated=True)
    return redirect(_next_url(request, reverse("cart:detail")))


@require_POST
def update(request, pk):
    def change(cart, item):
        return cart_set_quantity(cart=cart, item=item, quantity=_quantity(request.POST.get("quantity")))

    return _change_item(request, pk, change)


@require_POST
def remove(request, pk):
    return _change_item(request, pk, lambda cart, item: cart_remove(cart=cart, item=item))


@require_POST
def accept_price(request, pk):
    return _change_item(request, pk, lambda cart, item: cart_accept_price(cart=cart, item=item))
