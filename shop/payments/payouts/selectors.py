"""Reads for money paid in the stablecoin and kept in the escrow contract: the quote that
priced a checkout, amounts turned into the token's minor units at the quote's rate, the
buyer's wallet, and the stores whose stablecoin payouts wait for a wallet address.

The ledger counts a crypto-paid checkout in its own currency (``provider:crypto``); the
escrow holds the token. An amount the ledger moves out of the escrow is converted at the
quote's locked rate and rounded down to the token's minor unit: the store or the buyer
receives at most one minor unit less than the exact figure, and that dust stays in the
escrow with the platform's fee (the quote rounded the deposit up)."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from django.db.models import Q

from shop.core.selectors.currencies import currency_places

from ..models import CryptoDeposit, CryptoQuote, PaymentAttempt, PaymentStatus, Payout, Provider


def crypto_quote_for(attempt: PaymentAttempt) -> CryptoQuote | None:
    """The quote a stablecoin payment was deposited under (its checkout id in the escrow)."""
    if attempt is None or attempt.provider != Provider.CRYPTO:
        return None
    return CryptoQuote.objects.filter(Q(attempt=attempt) | Q(deposits__attempt=attempt)).order_by("id").first()


def token_minor_down(amount_minor: int, currency: str, quote: CryptoQuote) -> int:
    """``amount_minor`` of ``currency`` in the token's minor units at the quote's rate,
    rounded down (in the platform's favour, by less than one minor unit)."""
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool):
        raise TypeError("Amounts are integers in minor units.")
    amount = Decimal(amount_minor).scaleb(-currency_places(currency))
    return int((amount / Decimal(quote.rate)).scaleb(quote.token_decimals).to_integral_value(rounding=ROUND_FLOOR))


def buyer_address_for(attempt: PaymentAttempt) -> str:
    """The wallet that deposited the payment ``attempt`` was settled by ("" when unknown)."""
    deposit = CryptoDeposit.objects.filter(attempt=attempt).order_by("block_number", "log_index").first()
    if deposit is None:
        quote = crypto_quote_for(attempt)
        deposit = quote.deposits.order_by("block_number", "log_index").first() if quote is not None else None
    return deposit.buyer_address if deposit is not None else ""


def store_stablecoin_waiting(store) -> bool:
    """Whether a share of an order paid in the stablecoin is due to ``store`` and cannot be
    sent because the store has no wallet address."""
    if store.wallet_address:
        return False
    return (
        store.orders.filter(
            funds_released_at__isnull=False,
            checkout__payment_status=PaymentStatus.PAID,
            checkout__attempts__provider=Provider.CRYPTO,
            checkout__attempts__status=PaymentAttempt.Status.SUCCEEDED,
        )
        .exclude(payouts__status=Payout.Status.PAID)
        .exists()
    )
