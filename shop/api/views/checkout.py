"""The checkout, as the checkout page works it out and places it.

``quote`` answers the page's review for what the app asks (address, each store's
delivery, won auctions, promo code, points, currency), worked out by the page's own
``checkout_page_data``, with the same signed ``review_token`` the page's review carries.
``place`` places it through ``checkout_place`` with that token: when anything moved since
(a price, a fee, the code, the points), nothing is placed and the answer is a 409
``total_changed`` with the new total; every other refusal is the service's own code
(``out_of_stock``, ``not_enough_stock``, ``price_changed``, ``promo_expired``,
``delivery_not_offered``…). The same Idempotency-Key places one checkout, however often
it is sent."""

import uuid
from decimal import Decimal

from django.http import QueryDict
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.accounts.addresses.selectors import address_get_for_user
from shop.cart.selectors.summary import cart_summary
from shop.cart.services import cart_get_for_request
from shop.orders.checkout_forms import CheckoutForm
from shop.orders.models import Order
from shop.orders.selectors.checkout import (
    NEW_ADDRESS,
    CheckoutPageData,
    checkout_page_data,
    delivery_fee,
)
from shop.orders.selectors.orders import checkout_get_for_buyer
from shop.orders.services.checkout import (
    CheckoutDetails,
    CheckoutError,
    CheckoutTotalChanged,
    DeliveryAddress,
    checkout_place,
)
from shop.payments.gateways import gateways_available
from shop.payments.services import PaymentRefused

from ..idempotency import HEADER, idempotent
from ..problems import problem_response
from ..serializers.buying import CheckoutAsk, CheckoutPlace, CheckoutSerializer, QuoteSerializer
from .payments import payment_state

# Placing under one Idempotency-Key is one checkout even when the API's record of the
# first answer is gone: the checkout's own key is drawn from the account and that key.
PLACING = uuid.UUID("6f1c2a52-3c1e-4d8e-9b57-4f3f2a1c9e10")


def _asked(asked: dict) -> QueryDict:
    """The app's choices as the checkout page's form would send them."""
    data = QueryDict(mutable=True)
    if "address" in asked:
        data["address"] = str(asked["address"])
    for choice in asked.get("delivery", []):
        data[f"delivery_{choice['store']}"] = choice["mode"]
    data.setlist("won", asked.get("won", []))
    data["promo_code"] = asked.get("promo_code", "")
    if asked.get("use_points"):
        data["use_points"] = "1"
    return data


def checkout_read(request, asked: dict) -> tuple[object, CheckoutPageData]:
    """The cart and the checkout page's figures for ``asked``; a foreign address is a 404."""
    if "address" in asked:
        address_get_for_user(user=request.user, pk=asked["address"])
    cart = cart_get_for_request(request)
    whole = cart_summary(cart=cart)
    currency = asked.get("currency") if asked.get("currency") in whole.currencies else whole.currency
    summary = whole.for_currency(currency)
    if summary.is_empty:
        raise CheckoutError(_("Your cart is empty: add something first."), code="cart_empty")
    page = checkout_page_data(user=request.user, whole=whole, summary=summary, currency=currency, asked=_asked(asked))
    return cart, page


def _order_quote(review, page: CheckoutPageData) -> dict:
    preview, store = page.preview, review.store
    home = page.homes[store.pk]
    code = preview.applied.discounts.get(store.pk, Decimal("0")) if preview.applied else Decimal("0")
    points = preview.points if preview.use_points and preview.points else None
    points_used = points.points.get(store.pk, 0) if points else 0
    points_off = points.discounts.get(store.pk, Decimal("0")) if points else Decimal("0")
    options = [{"mode": Order.DeliveryMode.PICKUP, "fee": Decimal("0")}]
    if home.offered:
        fee = delivery_fee(store=store, mode=Order.DeliveryMode.DELIVERY, dropoff=page.dropoff)
        options.insert(0, {"mode": Order.DeliveryMode.DELIVERY, "fee": fee})
    return {
        "store": store,
        "delivery": review.mode,
        "delivery_options": options,
        "home_delivery_refused": "" if home.offered else home.reason,
        "lines": review.group.lines,
        "items_total": review.items_total,
        "delivery_fee": review.fee,
        "code_discount": code,
        "points_used": points_used,
        "points_discount": points_off,
        "total": review.total - code - points_off,
    }


def quote_body(page: CheckoutPageData) -> dict:
    """The review step's figures, order by order, and its signed token."""
    preview = page.preview
    return {
        "currency": preview.currency,
        "address": None if page.chosen == NEW_ADDRESS else int(page.chosen),
        "orders": [_order_quote(review, page) for review in preview.stores],
        "won": [
            {
                "number": review.order.number,
                "store": review.order.store,
                "delivery": review.mode,
                "items_total": review.order.items_total,
                "delivery_fee": review.fee,
                "total": review.total,
            }
            for review in preview.won
        ],
        "items_total": preview.items_total,
        "delivery_total": preview.delivery_total,
        "code_discount": preview.code_discount,
        "points_discount": preview.points_discount,
        "total": preview.total,
        "promo_code": preview.promo_code,
        "promo_problem": (
            {"code": preview.promo_problem_code, "detail": preview.promo_problem} if preview.promo_problem else None
        ),
        "points_balance": preview.points_balance,
        "use_points": preview.use_points,
        "payment_methods": gateways_available(preview),
        "problems": [line.problem for review in preview.stores for line in review.group.lines if line.problem],
        "other_currencies": [
            {"currency": code, "total": total, "units": units} for code, total, units in page.other_currencies
        ],
        "review_token": preview.review_token,
    }


class Quote(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckoutAsk, responses=QuoteSerializer)
    def post(self, request):
        """What placing the cart now would charge, as the checkout page's review shows it.
        Nothing is placed or reserved. A promo code that does not apply is not a refusal
        here: ``promo_problem`` says why, as the page does."""
        asked = CheckoutAsk(data=request.data)
        asked.is_valid(raise_exception=True)
        _cart, page = checkout_read(request, asked.validated_data)
        return Response(QuoteSerializer(quote_body(page)).data)


def _placing_key(request) -> uuid.UUID:
    return uuid.uuid5(PLACING, f"{request.user.pk}:{request.headers.get(HEADER, '')}")


class Place(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=CheckoutPlace, responses={201: CheckoutSerializer})
    @idempotent
    def post(self, request):
        """Place the quote the buyer confirmed (its ``review_token``): one order per store,
        stock reserved, the promo code and points used. Paid online, it then awaits its
        payment (``POST /checkouts/{id}/payments/``) until ``payment.due_by``."""
        asked = CheckoutPlace(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        cart, page = checkout_read(request, data)
        address = next((address for address in page.addresses if str(address.pk) == page.chosen), None)
        if address is None:
            raise CheckoutError(str(CheckoutForm.base_fields["address"].error_messages["required"]), code="no_address")
        methods = {gateway.code for gateway in gateways_available(page.preview)}
        if data["payment_method"] not in methods:
            raise PaymentRefused(_("Choose one of the ways to pay shown."), code="payment_method_unavailable")
        # As asked, so that a home delivery the store does not offer is refused in its words.
        asked_modes = {choice["store"]: choice["mode"] for choice in data.get("delivery", [])}
        modes = {store_id: asked_modes.get(store_id, mode) for store_id, mode in page.modes.items()}
        details = CheckoutDetails(
            address=DeliveryAddress.from_address(address),
            payment_method=data["payment_method"],
            delivery_modes=modes,
            instructions=data["instructions"],
            currency=page.preview.currency,
            won=tuple(order.number for order in page.won_chosen),
            promo_code=page.promo_code,
            use_points=page.use_points,
            review=data["review_token"],
        )
        try:
            checkout = checkout_place(
                buyer=request.user, cart=cart, details=details, idempotency_key=_placing_key(request)
            )
        except CheckoutTotalChanged as changed:
            return problem_response(
                status_code=status.HTTP_409_CONFLICT,
                code=changed.code,
                detail=str(changed),
                problems=changed.problems,
                total=str(changed.total),
                currency=changed.currency,
            )
        checkout = checkout_get_for_buyer(user=request.user, reference=checkout.idempotency_key)
        body = CheckoutSerializer({**_checkout_fields(checkout), "payment": payment_state(checkout)}).data
        return Response(body, status=status.HTTP_201_CREATED)


def _checkout_fields(checkout) -> dict:
    return {
        "pk": checkout.pk,
        "idempotency_key": checkout.idempotency_key,
        "payment_method": checkout.payment_method,
        "payment_status": checkout.payment_status,
        "total": checkout.total,
        "currency": checkout.currency,
        "orders": list(checkout.orders.all()),
    }
