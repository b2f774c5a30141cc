"""Paying a placed checkout, as the payment page does: the ways it may be paid now
(``payment_gateway_for``'s rule), starting a payment with the page's own gateways (a card
answers Stripe Checkout's page, PayPal its approval page, M-Pesa sends the request to the
phone, cash on delivery confirms the orders at once), and where the payment stands, read
from the database. Someone else's checkout is a 404."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.payments.gateways import gateways_available
from shop.payments.models import PaymentAttempt, PaymentStatus, Provider
from shop.payments.providers.crypto import client as crypto_client
from shop.payments.providers.crypto.quotes import quote_latest, quote_open, quote_payable
from shop.payments.providers.mpesa.client import MpesaError, normalise_phone
from shop.payments.providers.mpesa.gateway import CheckoutClosed, MpesaGateway, mpesa_pay
from shop.payments.selectors import checkout_for_buyer_by_id, payment_status_context
from shop.payments.services import (
    PaymentRefused,
    checkout_awaits_payment,
    checkout_method_choose,
    checkout_pay_on_delivery,
    payment_gateway_for,
)

from ..idempotency import idempotent
from ..serializers.buying import PaymentMethodSerializer, PaymentStart, PaymentStateSerializer

Attempt = PaymentAttempt.Status
FAILED = {Attempt.FAILED, Attempt.CANCELLED, Attempt.EXPIRED}


def payment_state(checkout) -> dict:
    """Where the checkout's payment stands, as its status page shows it."""
    context = payment_status_context(checkout)
    attempt = context["attempt"]
    if checkout.payment_status == PaymentStatus.AWAITING:
        state = "failed" if attempt is not None and attempt.status in FAILED else "pending"
    else:
        state = {PaymentStatus.ON_DELIVERY: "on_delivery", PaymentStatus.PAID: "paid"}.get(
            checkout.payment_status, "expired"
        )
    under_way = context["under_way"]
    return {
        "status": state,
        "under_way": under_way,
        "method": checkout.payment_method,
        "amount": checkout.total,
        "currency": checkout.currency,
        "due_by": checkout.payment_due_by,
        "paid_at": checkout.paid_at,
        "message": attempt.message if attempt is not None else "",
        "redirect_url": attempt.redirect_url or None if under_way else None,
        "crypto": _crypto_quote(checkout),
    }


def _crypto_quote(checkout) -> dict | None:
    """The checkout's stablecoin quote (the open one, else the last), as its wallet page shows it."""
    if checkout.payment_method != Provider.CRYPTO:
        return None
    quote = quote_open(checkout) or quote_latest(checkout)
    if quote is None:
        return None
    is_open = quote_payable(checkout, quote)
    where = {"escrow": quote.escrow_address, "chain_id": quote.chain_id, "amount": quote.token_minor}
    return {
        "checkout_ref": quote.checkout_ref,
        "token_symbol": quote.token_symbol,
        "token_address": quote.token_address,
        "token_decimals": quote.token_decimals,
        "amount": f"{Decimal(quote.token_minor).scaleb(-quote.token_decimals):f}",
        "amount_minor": str(quote.token_minor),
        "rate": f"{quote.rate.normalize():f}",
        "escrow_address": quote.escrow_address,
        "chain_id": quote.chain_id,
        "expires_at": quote.expires_at,
        "open": is_open,
        "approve_uri": crypto_client.eip681_approve(token=quote.token_address, **where) if is_open else None,
        "deposit_uri": crypto_client.eip681_deposit(checkout_ref=quote.checkout_ref, **where) if is_open else None,
    }


class PaymentMethods(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PaymentMethodSerializer(many=True))
    def get(self, request, pk: int):
        """The ways this checkout may be paid now; none once it no longer awaits a payment."""
        checkout = checkout_for_buyer_by_id(user=request.user, pk=pk)
        methods = gateways_available(checkout) if checkout_awaits_payment(checkout) else []
        return Response(PaymentMethodSerializer(methods, many=True).data)


def _mpesa_phone(checkout, typed: str) -> str:
    try:
        return normalise_phone(typed or checkout.phone)
    except forms.ValidationError as error:
        raise PaymentRefused(error.messages[0], code="phone_refused") from error


class PaymentStartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PaymentStart, responses={201: PaymentStateSerializer})
    @idempotent
    def post(self, request, pk: int):
        """Pay the checkout with ``method``: a card or PayPal answers the provider's page
        (``redirect_url``) to open; M-Pesa sends the request to ``phone`` (the delivery
        phone when left out) and the answer is under way; cash on delivery confirms the
        orders. The result of an online payment arrives at ``GET …/payment/``."""
        asked = PaymentStart(data=request.data)
        asked.is_valid(raise_exception=True)
        checkout = checkout_for_buyer_by_id(user=request.user, pk=pk)
        gateway = payment_gateway_for(checkout=checkout, method=asked.validated_data["method"])
        if not gateway.online:
            if not checkout_pay_on_delivery(checkout=checkout, gateway=gateway.code):
                raise PaymentRefused(_("This checkout no longer waits for a payment."), code="payment_not_awaited")
        elif gateway.code == MpesaGateway.code:
            phone = _mpesa_phone(checkout, asked.validated_data.get("phone", ""))
            try:
                mpesa_pay(request=request._request, checkout=checkout, phone=phone)
            except CheckoutClosed as closed:
                raise PaymentRefused(str(closed), code="payment_not_awaited") from closed
            except MpesaError as error:
                raise PaymentRefused(str(error), code="payment_not_started") from error
        else:
            checkout_method_choose(checkout=checkout, method=gateway.code)
            gateway.start(request._request, checkout)
            attempt = payment_status_context(checkout)["attempt"]
            if attempt is None or attempt.status != Attempt.PENDING:
                message = attempt.message if attempt is not None else ""
                raise PaymentRefused(message or _("The payment could not be started."), code="payment_not_started")
        checkout.refresh_from_db()
        return Response(PaymentStateSerializer(payment_state(checkout)).data, status=status.HTTP_201_CREATED)


class PaymentState(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PaymentStateSerializer)
    def get(self, request, pk: int):
        """Where the checkout's payment stands: pending (and whether a try is under way),
        paid, failed (pay again), expired, or on delivery; with its deadline."""
        checkout = checkout_for_buyer_by_id(user=request.user, pk=pk)
        return Response(PaymentStateSerializer(payment_state(checkout)).data)
