import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.forms.utils import ErrorDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shop.accounts.addresses.forms import AddressForm
from shop.accounts.addresses.services import address_save
from shop.accounts.models import Address
from shop.cart.selectors.summary import cart_summary
from shop.cart.services import cart_get_for_request
from shop.core.htmx import render_page, wants_fragment
from shop.core.selectors.money import money_format
from shop.geo.selectors.areas import map_settings
from shop.payments.gateways import gateways_available
from shop.payments.models import PaymentStatus, Refund

from .checkout_forms import CheckoutForm
from .selectors.checkout import checkout_get_existing, checkout_page_data, delivery_wanted_name, review_total_read
from .selectors.orders import checkout_get_for_buyer, order_handover_for_buyer
from .services.checkout import CheckoutDetails, CheckoutError, DeliveryAddress, checkout_place


def _done_url(checkout) -> str:
    """Where a placed checkout leads: its payment while one is awaited, else the orders."""
    if checkout.payment_status == PaymentStatus.AWAITING:
        return reverse("payments:status", args=[checkout.idempotency_key])
    return reverse("checkout:done", args=[checkout.idempotency_key])


def _replayed(request):
    """A resubmitted form (refresh, back button, double click) whose checkout exists."""
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return None
    return checkout_get_existing(buyer=request.user, idempotency_key=key)


# What every re-read of the page sends (the review's, the delivery options' for an address
# changed): the inputs of the total and every choice the buyer made, so no re-read forgets
# one. A new address's place and pin decide its delivery and fees as a saved one's do; a
# store's delivery stays as chosen wherever the new address still gets it.
REVIEW_FIELDS = (
    "[name='address'], [name^='delivery_'], [name='currency'], [name='won'], "
    "[name='promo_code'], [name='use_points'], [name='payment_method'], "
    "[name='country'], [name='region'], [name='district'], [name='neighbourhood'], [name='latitude'], [name='longitude']"
)


@login_required
def page(request):
    """The one-page checkout: address, delivery per store, instructions, payment, review.
    For htmx (a delivery choice, the points, a won order changed) only the ``#review``
    figures are sent back; for an address change the whole page, from which htmx takes
    the delivery options and the figures."""
    if request.method == "POST" and (existing := _replayed(request)) is not None:
        return redirect(_done_url(existing))
    cart = cart_get_for_request(request)
    whole = cart_summary(cart=cart)
    request._soko_cart_count = whole.count
    # One checkout pays one currency: the one asked for, else the first the cart holds.
    asked = (request.POST if request.method == "POST" else request.GET).get("currency")
    currency = asked if asked in whole.currencies else whole.currency
    summary = whole.for_currency(currency)
    if summary.is_empty:
        messages.info(request, _("Your cart is empty: add something first."))
        return redirect("cart:detail")

    data = request.POST if request.method == "POST" else None
    context = _page_context(request, whole=whole, summary=summary, currency=currency, data=data)
    if request.method == "GET":
        htmx = getattr(request, "htmx", None)
        partial = wants_fragment(request) and getattr(htmx, "target", None) != "delivery-options"
        return render_page(request, "checkout/page.html", _said_once(context), fragment="review", partial=partial)

    refusal: list[str] = []
    if "recalculate" in data:  # "Update totals" and "Apply" only show the figures again
        _unjudged(context["form"], context["address_form"])
    else:
        form = context["form"]
        response = _place(
            request,
            cart=cart,
            form=form,
            address_form=context["address_form"],
            currency=currency,
            won=tuple(order.number for order in context["won_chosen"]),
            review=data.get("review", ""),
        )
        if response is not None:
            return response
        refusal = list(form.placement_problems)
        if refusal:
            # Shown again as it would be placed now (an address just saved, new figures),
            # with a review the buyer can confirm.
            context = _page_context(request, whole=whole, summary=summary, currency=currency, data=form.data)
            context["form"].placement_problems = form.placement_problems
            context["form"].placement_code = form.placement_code
        if form.placement_code != "total_changed":  # that refusal names the new total itself
            refusal += _total_moved(reviewed=data.get("review", ""), preview=context["preview"])
        context = _said_once(context, refusal=refusal, refused=True)
    return render_page(
        request, "checkout/page.html", _said_once(context) if "recalculate" in data else context,
        fragment="review", partial=False, status=200 if "recalculate" in data else 422,
    )


def _unjudged(*forms) -> None:
    """Bound ``forms`` shown as typed, flagging nothing: "Update totals" and "Apply" only
    show the figures again; only placing the order judges what was typed."""
    for form in forms:
        if form.is_bound:
            form._errors = ErrorDict()


def _said_once(context: dict, *, refusal=(), refused: bool = False) -> dict:
    """What the page says about its problems, each sentence once: a refusal's sentences
    (``refusal``) and, when placing was refused, the fields' errors in the summary above
    the form; beside a store's options only what neither says (why home delivery is not
    offered to this address); beside the promo code its problem unless the refusal says it."""
    form, address_form = context["form"], context["address_form"]
    errors = []
    if refused:
        for bound_form in (form, address_form):
            errors += [(bound.label, error) for bound in bound_form for error in bound.errors]
            errors += [("", error) for error in bound_form.non_field_errors()]
        errors = [(label, error) for label, error in errors if not _said(error, refusal)]
    said = [*refusal, *(error for _label, error in errors)]
    rows = []
    for review, field, home, withdrawn, wanted in context["delivery_rows"]:
        note = home.reason if not _said(home.reason, said) else ""
        # Only pick-up offered: the buyer's choice goes along unchanged for the next address.
        kept = None if home.offered else (delivery_wanted_name(review.store), wanted)
        rows.append((review, field, note, withdrawn, kept))
    return {
        **context,
        "refusal": list(refusal),
        "field_errors": errors,
        "delivery_notes": rows,
        "promo_problem": "" if _said(context["preview"].promo_problem, said) else context["preview"].promo_problem,
    }


def _total_moved(*, reviewed: str, preview) -> list[str]:
    """The sentence a refused page says when its "To pay" is not the one the buyer reviewed."""
    shown = review_total_read(reviewed)
    if shown is None or shown == preview.total:
        return []
    figures = {"total": money_format(preview.total, preview.currency), "reviewed": money_format(shown, preview.currency)}
    return [_("The total is now %(total)s, not the %(reviewed)s you reviewed: check it before you place the order.") % figures]


def _said(text: str, said) -> bool:
    """``text`` is already in one of the sentences ``said``."""
    return bool(text) and any(text in sentence for sentence in said)


def _new_address(request, data):
    """The address being typed at checkout, read only when it is chosen: an unsaved
    ``Address`` once its place is chosen down to the last level (with its pin), else ``None``."""

    def typed():
        address_form = AddressForm(data, instance=Address(user=request.user), inline=True)
        address_form.is_valid()  # the instance takes what is valid so far
        return address_form.instance if address_form.instance.area_id else None

    return typed


def _page_context(request, *, whole, summary, currency: str, data) -> dict:
    """The page's forms and figures from ``data`` (a POST), else from the query string
    (htmx refreshes send every input of the total along)."""
    asked = data if data is not None else request.GET
    page = checkout_page_data(
        user=request.user,
        whole=whole,
        summary=summary,
        currency=currency,
        asked=asked,
        new_address=_new_address(request, asked),
    )
    form = CheckoutForm(
        data,
        addresses=page.addresses,
        groups=summary.groups,
        gateways=gateways_available(page.preview),
        homes=page.homes,
        dropoff=page.dropoff,
        # A refresh of the page keeps what was typed and ticked.
        initial={
            "idempotency_key": uuid.uuid4(),
            "address": page.chosen,
            "promo_code": page.promo_code,
            "use_points": page.use_points,
            "payment_method": asked.get("payment_method"),
        },
    )
    address_form = AddressForm(
        data if form.wants_new_address else None, instance=Address(user=request.user), inline=True
    )
    return {
        "summary": summary,
        "currency": currency,
        "other_currencies": page.other_currencies,
        "preview": page.preview,
        "review_token": page.preview.review_token,
        "review_fields": REVIEW_FIELDS,
        "form": form,
        "address_form": address_form,
        "delivery_rows": [
            (
                review,
                form.delivery_field(review.store),
                page.homes[review.store.pk],
                review.store.pk in page.home_withdrawn,
                page.wanted[review.store.pk],
            )
            for review in page.preview.stores
        ],
        "delivery_fee": page.delivery_fee,
        "won_orders": page.won_orders,
        "won_chosen": page.won_chosen,
        "map": map_settings(),
    }


def _place(request, *, cart, form, address_form, currency: str, won: tuple[str, ...] = (), review: str = ""):
    """Place the checkout from valid forms and redirect; ``None`` to show the page again.
    ``review``: the signed digest of the review the buyer confirmed."""
    forms_valid = form.is_valid()
    if form.wants_new_address:
        forms_valid = address_form.is_valid() and forms_valid
    if not forms_valid:
        return None
    address = form.chosen_address()
    if address is None:
        address = address_save(
            address=address_form.instance, make_default=address_form.cleaned_data.get("make_default", False)
        )
        # Shown again after a refusal, the page offers the address just saved, chosen.
        form.data = form.data.copy()
        form.data["address"] = str(address.pk)
        form.addresses[str(address.pk)] = address
        form.fields["address"].choices = [
            *form.fields["address"].choices[:-1],
            (str(address.pk), address.title),
            form.fields["address"].choices[-1],
        ]
    details = CheckoutDetails(
        address=DeliveryAddress.from_address(address),
        payment_method=form.cleaned_data["payment_method"],
        delivery_modes=form.delivery_modes(),
        instructions=form.cleaned_data["instructions"],
        currency=currency,
        won=won,
        promo_code=form.cleaned_data["promo_code"],
        use_points=form.cleaned_data["use_points"],
        review=review,
    )
    try:
        checkout = checkout_place(
            buyer=request.user, cart=cart, details=details, idempotency_key=form.cleaned_data["idempotency_key"]
        )
    except CheckoutError as error:
        form.placement_problems, form.placement_code = error.problems, error.code
        return None
    started = form.gateway().start(request, checkout)
    return started or redirect(_done_url(checkout))


@login_required
@require_GET
def done(request, reference):
    """What the shopper just placed: each store's order, what happens next and, where it
    applies, the handover code. Only the buyer may see it (it carries the code)."""
    checkout = checkout_get_for_buyer(user=request.user, reference=reference)
    refunds = Prefetch("refunds", queryset=Refund.objects.prefetch_related("credit_notes"))
    orders = [(order, order_handover_for_buyer(order=order)) for order in checkout.orders.prefetch_related(refunds)]
    response = render(request, "checkout/done.html", {"checkout": checkout, "orders": orders})
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response
