"""The stablecoin payment page: the quote, the wallet's balance check, the transactions the
wallet is asked to send, the EIP-681 codes for phone wallets, and the deposit followed to
its confirmations. What the page is told by the wallet is a hint: only the watcher's
reading of the chain pays."""

import json
import re
from decimal import Decimal

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shop.chain.node import ChainUnavailable
from shop.core.htmx import render_page
from shop.core.jobs import job_enqueue_on_commit

from ...gateways import gateways_available, status_url
from ...models import CryptoDeposit, CryptoQuote
from ...selectors import checkout_awaits_payment, checkout_for_buyer, payment_status_context
from ...services import PaymentRefused, payment_gateway_for
from . import client
from .quotes import GATEWAY_CODE, quote_latest, quote_open, quote_payable

TX_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")


def _private(response):
    add_never_cache_headers(response)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _qr(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=4, border=2)


def _plain_decimal(value: Decimal) -> str:
    """A rate without the zeros its column pads it with (129.45000000 -> 129.45)."""
    text = format(value.normalize(), "f")
    return text


def _alternatives(checkout) -> list:
    return [gateway for gateway in gateways_available(checkout) if gateway.code != GATEWAY_CODE]


def _progress_context(checkout, quote: CryptoQuote | None) -> dict:
    deposit = None
    if quote is not None:
        deposit = quote.deposits.exclude(status=CryptoDeposit.Status.GONE).order_by("-id").first() or (
            quote.deposits.order_by("-id").first()
        )
    return {
        "checkout": checkout,
        "quote": quote,
        "deposit": deposit,
        "confirmations_needed": settings.SOKO_ETH_CONFIRMATIONS,
    }


@login_required
@require_GET
def pay(request, reference):
    """The quote and the two ways to pay it (a browser wallet, or a phone wallet's QR)."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    quote = quote_open(checkout) or quote_latest(checkout)
    if quote is None:
        return redirect(status_url(checkout))
    context = {
        **payment_status_context(checkout),
        **_progress_context(checkout, quote),
        "is_open": quote_payable(checkout, quote),
        "chain_id_hex": hex(quote.chain_id),
        "rate_text": _plain_decimal(quote.rate),
        "other_ways": _alternatives(checkout) if checkout_awaits_payment(checkout) else [],
    }
    if context["is_open"]:
        where = {"escrow": quote.escrow_address, "chain_id": quote.chain_id, "amount": quote.token_minor}
        deposit_uri = client.eip681_deposit(checkout_ref=quote.checkout_ref, **where)
        approve_uri = client.eip681_approve(token=quote.token_address, **where)
        context.update(
            deposit_uri=deposit_uri, approve_uri=approve_uri, deposit_qr=_qr(deposit_uri), approve_qr=_qr(approve_uri)
        )
    response = render_page(request, "payments/crypto_pay.html", context, fragment="payments/_status.html")
    return _private(response)


@login_required
@require_POST
def requote(request, reference):
    """A new quote at today's rate, after the last one expired."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    try:
        gateway = payment_gateway_for(checkout=checkout, method=GATEWAY_CODE)
    except PaymentRefused as refused:
        messages.info(request, str(refused))
        return redirect(status_url(checkout))
    return gateway.start(request, checkout)


@login_required
@require_POST
def balance(request, reference):
    """The connected wallet's balance against the quote: when short, by how much and the
    other ways to pay; when enough, the transactions for the wallet to send. A closed
    quote or an unreachable node is said in the fragment (200: htmx swaps only 2xx and 422)."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    quote = quote_open(checkout)
    context = {"checkout": checkout, "quote": quote}
    if quote is None or not checkout_awaits_payment(checkout):
        context["closed"] = True
        return _private(render(request, "payments/crypto_pay.html#wallet", context))
    try:
        address = client.checksum(request.POST.get("address", ""))
    except ValueError:
        context["problem"] = _("Your wallet did not give a valid address. Connect it again.")
        return _private(render(request, "payments/crypto_pay.html#wallet", context, status=422))
    try:
        held = client.balance_of(address)
        allowed = client.allowance(address)
    except ChainUnavailable:
        context["problem"] = _("We cannot reach the blockchain right now. Try again in a moment, or pay another way.")
        context["alternatives"] = _alternatives(checkout)
        return _private(render(request, "payments/crypto_pay.html#wallet", context))
    context.update(address=address, held=quote_amount(quote, held))
    if held < quote.token_minor:
        context.update(
            short=True, shortfall=quote_amount(quote, quote.token_minor - held), alternatives=_alternatives(checkout)
        )
    else:
        calls = [client.deposit_call(quote.checkout_ref, quote.token_minor)]
        if allowed < quote.token_minor:
            calls.insert(0, client.approve_call(quote.token_minor))
        context.update(enough=True, calls_json=json.dumps([{**call, "from": address} for call in calls]))
    return _private(render(request, "payments/crypto_pay.html#wallet", context))


def quote_amount(quote: CryptoQuote, minor: int) -> Decimal:
    return Decimal(minor).scaleb(-quote.token_decimals)


@login_required
@require_POST
def sent(request, reference):
    """The wallet sent the deposit: the watcher looks at once (the hash is a hint; the
    chain decides)."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    quote = quote_latest(checkout)
    tx_hash = request.POST.get("tx", "")
    if quote is None or not TX_HASH.match(tx_hash):
        context = {"checkout": checkout, "quote": quote, "problem": _("That is not a transaction hash.")}
        return _private(render(request, "payments/crypto_pay.html#wallet", context, status=422))
    CryptoQuote.objects.filter(pk=quote.pk).update(reported_tx=tx_hash.lower())
    job_enqueue_on_commit("payments.crypto_watch_soon")
    return _private(
        render(request, "payments/crypto_pay.html#wallet", {"checkout": checkout, "quote": quote, "sent": True})
    )


@login_required
@require_GET
def progress(request, reference):
    """Where the deposit stands: polled by the page while it waits for confirmations."""
    checkout = checkout_for_buyer(user=request.user, reference=reference)
    quote = quote_latest(checkout)
    return _private(render(request, "payments/crypto_pay.html#progress", _progress_context(checkout, quote)))
