"""Promo codes at checkout: whether a code applies (and if not, why, in words the shopper
can act on), how much it takes off each store's order, and its use, counted race-free.

A store's code reduces that store's items; Soko's code reduces the whole checkout's items,
shared between its orders in proportion to their items (the rounding remainder on the
largest). Delivery fees are never reduced. ``SOKO_PLATFORM_CODES_PAID_BY`` says who pays for
Soko's codes: with "platform", each order's ``platform_discount`` is its whole discount and
the ledger counts it into the store's share (shop.payments).

A use is taken with one conditional UPDATE (``uses < max_uses``) in the checkout's
transaction: a hundred checkouts racing for a ten-use code place ten with it and tell the
other ninety it is used up. Uses per shopper are counted under the shopper's cart lock,
which every checkout of theirs takes first. A checkout that places nothing after all (its
payment expired, or each of its orders was cancelled before anything was paid or handed
over) gives its use back, once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import cash_unit, money_cash_round, money_quantize
from shop.core.selectors.money import money_format
from shop.payments.payouts.services import order_cancelled_unpaid
from shop.promotions.models import PromoCode, PromoRedemption


class PromoRefused(Exception):
    """The code does not apply; the message says why, and ``code`` says it to an app:
    ``promo_unknown``, ``promo_not_started``, ``promo_expired``, ``promo_used_up``,
    ``promo_wrong_currency``, ``promo_other_store``, ``promo_already_used``,
    ``promo_first_order_only``, ``promo_minimum_not_met`` (``promo_refused`` otherwise)."""

    def __init__(self, message: str, *, code: str = "promo_refused"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Subtotal:
    store_id: int
    items: Decimal  # the store's items in this checkout, before any reduction


@dataclass
class Applied:
    code: PromoCode
    discounts: dict[int, Decimal] = field(default_factory=dict)  # store id -> amount off
    platform_pays: bool = False

    @property
    def total(self) -> Decimal:
        return sum(self.discounts.values(), Decimal("0"))


def code_normalise(text: str) -> str:
    return "".join((text or "").split()).upper()


def promo_apply(
    *, text: str, buyer, subtotals: list[Subtotal], currency: str, has_ordered: bool, now: datetime | None = None
) -> Applied:
    """What ``text`` takes off these orders for this buyer (``has_ordered``: the buyer placed
    an order before), or ``PromoRefused`` with the reason."""
    now = now or timezone.now()
    code = PromoCode.objects.select_related("store").filter(code=code_normalise(text)).first()
    if code is None or not code.active:
        raise PromoRefused(_("There is no promo code “%(code)s”. Check how it is spelt.") % {"code": code_normalise(text)[:40]}, code="promo_unknown")
    if code.starts_at > now:
        raise PromoRefused(_("The code %(code)s is not valid yet.") % {"code": code.code}, code="promo_not_started")
    if code.ends_at is not None and code.ends_at <= now:
        raise PromoRefused(_("The code %(code)s has expired.") % {"code": code.code}, code="promo_expired")
    if code.max_uses is not None and code.uses >= code.max_uses:
        raise PromoRefused(_("The code %(code)s is used up.") % {"code": code.code}, code="promo_used_up")
    if code.currency != currency:
        raise PromoRefused(_("The code %(code)s works for prices in %(currency)s only.") % {"code": code.code, "currency": code.currency}, code="promo_wrong_currency")
    eligible = [s for s in subtotals if code.store_id is None or s.store_id == code.store_id]
    if not eligible:
        raise PromoRefused(_("The code %(code)s is for %(store)s only: add something from that store.") % {"code": code.code, "store": code.store.name}, code="promo_other_store")
    used = PromoRedemption.objects.filter(code=code, buyer=buyer, returned_at__isnull=True).count()
    if used >= code.max_uses_per_customer:
        raise PromoRefused(_("You have already used the code %(code)s.") % {"code": code.code}, code="promo_already_used")
    if code.first_order_only and has_ordered:
        raise PromoRefused(_("The code %(code)s is for a first order only.") % {"code": code.code}, code="promo_first_order_only")
    items = sum((s.items for s in eligible), Decimal("0"))
    if items < code.min_order:
        raise PromoRefused(
            _("The code %(code)s needs items of at least %(minimum)s; yours come to %(items)s.")
            % {"code": code.code, "minimum": money_format(code.min_order, currency), "items": money_format(items, currency)},
            code="promo_minimum_not_met",
        )
    # A percentage off is in whole cash units; an amount off is as the store typed it.
    off = money_cash_round(items * code.amount / Decimal(100), currency) if code.kind == PromoCode.Kind.PERCENT else min(code.amount, items)
    off = money_quantize(off, currency)
    paid_by_platform = code.store_id is None and settings.SOKO_PLATFORM_CODES_PAID_BY == "platform"
    return Applied(code=code, discounts=_shared(off, eligible, currency), platform_pays=paid_by_platform)


def _shared(off: Decimal, eligible: list[Subtotal], currency: str) -> dict[int, Decimal]:
    """``off`` shared between the stores in proportion to their items, in whole cash units
    (``cash_unit``), the remainder on the largest order so the parts add up exactly."""
    unit = cash_unit(currency)
    items = sum((s.items for s in eligible), Decimal("0"))
    parts = {s.store_id: (off * s.items / items).quantize(unit, rounding=ROUND_DOWN) for s in eligible}
    largest = max(eligible, key=lambda s: (s.items, -s.store_id)).store_id
    parts[largest] += off - sum(parts.values(), Decimal("0"))
    return parts


def promo_redeem(*, applied: Applied, buyer, checkout) -> PromoRedemption:
    """Take one use of the code for this checkout (inside its transaction), or
    ``PromoRefused`` when the last use went meanwhile."""
    code = applied.code
    limited = Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses"))
    if not PromoCode.objects.filter(limited, pk=code.pk, active=True).update(uses=F("uses") + 1):
        raise PromoRefused(_("The code %(code)s is used up.") % {"code": code.code}, code="promo_used_up")
    return PromoRedemption.objects.create(code=code, buyer=buyer, checkout=checkout, amount=applied.total)


def promo_use_return(*, checkout, now: datetime | None = None) -> bool:
    """Give the checkout's code use back when the code bought nothing: each order it took
    something off (every order of the checkout, if none says so) cancelled with nothing
    paid or handed over. An order of another store it did not apply to may go on. Once:
    the use's row lock is taken before the orders are read, so of two orders cancelled at
    once the later sees both."""
    with transaction.atomic():
        use = (
            PromoRedemption.objects.select_for_update()
            .filter(checkout=checkout, returned_at__isnull=True)
            .select_related("code")
            .first()
        )
        if use is None:
            return False
        orders = list(checkout.orders.select_related("checkout"))
        discounted = [order for order in orders if order.promo_code == use.code.code] or orders
        if not all(order_cancelled_unpaid(order) for order in discounted):
            return False
        PromoRedemption.objects.filter(pk=use.pk).update(returned_at=now or timezone.now())
        PromoCode.objects.filter(pk=use.code_id, uses__gt=0).update(uses=F("uses") - 1)
    return True


CODE_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")


def promo_code_create(*, store, user, fields: dict) -> PromoCode:
    """A store's own code (``fields``: the model's, ``code`` as typed); ``PromoRefused`` says
    what is wrong with it."""
    text = code_normalise(fields.pop("code", ""))
    if not 3 <= len(text) <= 40 or not set(text) <= CODE_CHARACTERS:
        raise PromoRefused(_("A code is 3 to 40 letters, digits or dashes, like WEEKEND10."))
    if PromoCode.objects.filter(code=text).exists():
        raise PromoRefused(_("The code %(code)s is taken: choose another.") % {"code": text})
    if fields.get("kind") == PromoCode.Kind.PERCENT and fields.get("amount", 0) >= 100:
        raise PromoRefused(_("A percentage off must be below 100."))
    ends_at = fields.get("ends_at")
    if ends_at is not None and ends_at <= fields["starts_at"]:
        raise PromoRefused(_("The code must stop working after it starts."))
    return PromoCode.objects.create(code=text, store=store, currency=store.currency, created_by=user, **fields)


def promo_codes_for_store(*, store) -> QuerySet[PromoCode]:
    """The store's codes, each with ``used``: its uses as the redemptions made and not given
    back say (what the store's promotions page shows; ``uses`` is the counter the limit is
    taken against, kept equal to it in the same transactions)."""
    return (
        PromoCode.objects.filter(store=store)
        .annotate(used=Count("redemptions", filter=Q(redemptions__returned_at__isnull=True)))
        .order_by("-active", "-created_at")
    )


def promo_code_stop(*, code: PromoCode) -> None:
    PromoCode.objects.filter(pk=code.pk).update(active=False)
