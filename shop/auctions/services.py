"""Writing auctions: listing, bidding, buy-it-now, watching, closing, unpaid winners and
second-chance offers.

Every change to an auction's state locks its row first (``select_for_update``; on SQLite
the IMMEDIATE transaction serialises writers), reads the clock *after* the lock, and
moves ``seq`` on; the pages watching it get the new state after commit. A bid and the
closing job therefore queue on the same row: whichever comes second sees what the first
did, so no bid is accepted after the auction closed, and an auction closes once.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.selectors.standing import ensure_can_transact
from shop.catalog.models import Product
from shop.core.client_keys import client_keys_kept_since
from shop.core.jobs import job_schedule_on_commit
from shop.core.selectors.currencies import currency_places, money_is_valid_for, money_quantize
from shop.core.selectors.i18n import lazy_text, speaking_to
from shop.core.selectors.money import lazy_money, money_format, money_units_problem
from shop.core.services.realtime import event_message, group_send, user_group
from shop.core.services.transactions import DatabaseBusy, atomic_retrying
from shop.core.signals import staff_acted
from shop.notifications.services.notifications import notify
from shop.orders.services.won import won_order_create

from .models import Auction, Bid, BiddingBlock, PaymentViolation, ProxyBid, SecondChanceOffer, Watch
from .selectors.auctions import (
    TIED,
    auction_group,
    auction_is_open,
    auction_parties,
    bid_history,
    buy_now_available,
    live_context,
    min_next_bid,
    store_outcome_context,
    tied_to_store,
    unpaid_wins_due,
    user_is_blocked_from_bidding,
    user_manages_auction,
    user_tied_to_store,
    viewer_context,
)
from .selectors.bidding import BidRefused, State, apply_bid

log = logging.getLogger(__name__)

A = Auction.Status
O = Auction.Outcome  # noqa: E741
OFFER = SecondChanceOffer.Status


class AuctionError(Exception):
    """An auction action that cannot be done; the message says why, to the person who tried."""

    def __init__(self, message: str, *, code: str = "refused"):
        self.code = code
        super().__init__(message)


# --- Listing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    start_price: Decimal
    starts_at: object
    ends_at: object
    reserve_price: Decimal | None = None
    buy_now_price: Decimal | None = None
    soft_close_minutes: int | None = None


def terms_problems(terms: Terms, *, now=None, currency: str | None = None) -> list[str]:
    """What is wrong with an auction's terms, in the seller's words (empty when nothing).
    With ``currency`` (the store's), a price with a fraction finer than its minor unit
    is one (``money_units_problem``)."""
    now = now or timezone.now()
    problems = []
    if terms.start_price is None or terms.start_price <= 0:
        problems.append(_("The start price must be more than zero."))
    if currency:
        for price in (terms.start_price, terms.reserve_price, terms.buy_now_price):
            problem = None if price is None else money_units_problem(price, currency)
            if problem and problem not in problems:
                problems.append(problem)
    if terms.ends_at <= terms.starts_at:
        problems.append(_("The auction must end after it starts."))
    if terms.ends_at <= now:
        problems.append(_("The end time has passed: choose a time in the future."))
    if terms.reserve_price is not None and terms.start_price and terms.reserve_price < terms.start_price:
        problems.append(_("The reserve cannot be below the start price."))
    if terms.buy_now_price is not None and terms.start_price:
        floor = max(terms.start_price, terms.reserve_price or terms.start_price)
        if terms.buy_now_price <= floor:
            problems.append(_("The buy-it-now price must be above the start price and the reserve."))
    return problems


def auction_create(*, product: Product, terms: Terms, relisted_from: Auction | None = None) -> Auction:
    """List ``product`` (sold by auction) on these terms. It is shown, and takes bids, while
    the product is on sale: the same moderation as any listing."""
    if not product.is_auction:
        raise AuctionError(_("Only a product sold by auction can be put up for auction."))
    if product.variants.count() != 1:
        raise AuctionError(_("An auction sells one item: the product needs exactly one option."), code="terms")
    problems = terms_problems(terms, currency=product.store.currency)
    if problems:
        raise AuctionError(" ".join(problems), code="terms")

    def work():
        Product.objects.select_for_update().filter(pk=product.pk).first()
        if Auction.objects.filter(product=product, status__in=Auction.OPEN).exists():
            raise AuctionError(_("This product already has an auction that has not ended."), code="duplicate")
        if SecondChanceOffer.objects.filter(auction__product=product, status=OFFER.OPEN).exists():
            raise AuctionError(
                _("This product is offered to a bidder: wait for their answer or for the offer to expire."),
                code="duplicate",
            )
        now = timezone.now()
        auction = Auction.objects.create(
            product=product,
            store=product.store,
            currency=product.store.currency,
            start_price=terms.start_price,
            reserve_price=terms.reserve_price,
            buy_now_price=terms.buy_now_price,
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
            soft_close_minutes=terms.soft_close_minutes or settings.SOKO_AUCTION_SOFT_CLOSE_MINUTES,
            status=A.LIVE if terms.starts_at <= now else A.SCHEDULED,
            relisted_from=relisted_from,
        )
        job_schedule_on_commit("auctions.close", auction.pk, eta=auction.ends_at)
        return auction

    return atomic_retrying(work, what="auction listing")


def auction_relist(*, auction: Auction, terms: Terms) -> Auction:
    """A new auction of the same product after one that ended unsold."""
    # Sold, unless the sale fell through (unpaid, and nobody left to offer it to).
    if auction.status != A.ENDED or (auction.outcome == O.SOLD and auction.winner_id is not None):
        raise AuctionError(_("Only an auction that ended unsold can be relisted."))
    return auction_create(product=auction.product, terms=terms, relisted_from=auction)


def auction_cancel(*, auction_id: int, actor, reason: str) -> Auction:
    """Staff stop an auction that has not ended (bids are kept, nothing is sold)."""
    if not reason.strip():
        raise AuctionError(_("Say why the auction is cancelled."))

    def work():
        auction = Auction.objects.select_for_update().get(pk=auction_id)
        if auction.status not in Auction.OPEN or auction.ends_at <= timezone.now():
            # Past its end it is the closing's: a sale whose reserve was met stands.
            raise AuctionError(_("This auction has already ended."))
        auction.status = A.CANCELLED
        auction.cancel_reason = reason.strip()[:300]
        log.info("auction %s cancelled by user %s: %s", auction.pk, getattr(actor, "pk", None), auction.cancel_reason)
        auction.closed_at = timezone.now()
        auction.seq += 1
        auction.save(update_fields=["status", "cancel_reason", "closed_at", "seq", "updated_at"])
        _push_state(auction, parties=True)
        _tell_bidders(
            auction,
            lazy_text(gettext_lazy("The auction of %(title)s was cancelled: nothing was sold."), title=auction.product.title),
        )
        return auction

    return atomic_retrying(work, what="auction cancel")


# --- Bidding ---------------------------------------------------------------------------


# Amounts are stored with max_digits=12, decimal_places=2: below 10^10.
MAX_AMOUNT = Decimal("10000000000")


@dataclass(frozen=True)
class BidOutcome:
    auction: Auction
    leading: bool
    message: str


def _lock(auction_id: int) -> Auction:
    auction = (
        Auction.objects.select_for_update(of=("self",)).select_related("product", "store").filter(pk=auction_id).first()
    )
    if auction is None:
        raise AuctionError(_("This auction does not exist."), code="missing")
    return auction


def _bidder_problem(auction: Auction, user, now) -> tuple[str, str] | None:
    if not user.is_authenticated:
        return _("Log in to bid."), "login"
    if not auction_is_open(auction, now=now):
        if auction.status in Auction.OPEN and now < auction.starts_at:
            return _("This auction has not started yet."), "not_live"
        return _("This auction is not taking bids: it has ended."), "not_live"
    if user_manages_auction(user=user, auction=auction):
        return _("You cannot bid on your own store's auction."), "own"
    if tie := user_tied_to_store(user=user, store=auction.store):
        return str(TIED[tie]), "tied"
    if user_is_blocked_from_bidding(user=user):
        return _("You may not bid: too many auctions you won were not paid. Contact us to lift the block."), "blocked"
    return None


def bid_place(*, auction_id: int, bidder, amount: Decimal, client_key: str = "") -> BidOutcome:
    """``bidder`` offers up to ``amount``. Raises ``AuctionError`` with the reason when the
    bid is refused (code ``login``, ``not_live``, ``own``, ``tied``, ``blocked``,
    ``too_low``, ``amount``, ``busy``); nothing is written then. ``own``: the bidder is on
    the store's team; ``tied``: on the team of a store sharing people with it
    (``store_tied_people``). With a ``client_key`` under which this maximum was set before
    (an app's Idempotency-Key, sent again after a lost answer), nothing is bid again: the
    outcome is told as the auction stands."""
    # ``is_finite`` first: comparing a NaN raises InvalidOperation (NaN and infinities are
    # refused in ``_bid``, with the auction's example amount).
    ensure_can_transact(bidder)  # a suspended or deactivated account may not bid
    if amount is None or (amount.is_finite() and amount <= 0):
        raise AuctionError(_("Enter an amount."), code="too_low")
    try:
        return atomic_retrying(lambda: _bid(auction_id, bidder, amount, client_key), what="bid")
    except DatabaseBusy as error:
        raise AuctionError(_("Many people are bidding right now. Please try again."), code="busy") from error
    except IntegrityError as error:
        # The unique (auction, amount) backstop: another bid took this amount first.
        raise AuctionError(_("Someone bid this amount a moment ago: bid higher."), code="too_low") from error


def _bid(auction_id: int, bidder, amount: Decimal, client_key: str = "") -> BidOutcome:
    auction = _lock(auction_id)
    now = timezone.now()
    # No price can be NaN, infinite, or beyond the 12 digits it is stored in (such an amount
    # would raise in ``quantize`` or in the database instead of a message; compared before
    # quantizing, which raises for an amount that large, then after, as 9999999999.999
    # rounds up to 10^10), nor have a fraction finer than the auction's currency has: that
    # is refused, never rounded (proxy bidding could price the item at it, and a won order
    # of GNF 30000.50 can be neither charged nor posted).
    in_range = (
        amount.is_finite() and amount < MAX_AMOUNT and money_quantize(amount, auction.currency) < MAX_AMOUNT
    )
    units = money_units_problem(amount, auction.currency) if in_range else None
    if client_key and in_range and units is None:
        earlier = ProxyBid.objects.filter(
            auction=auction, bidder=bidder, client_key=client_key, max_amount=money_quantize(amount, auction.currency)
        ).first()
        if earlier is not None and earlier.raised_at >= client_keys_kept_since(now):
            return _outcome(auction, bidder=bidder, maximum=earlier.max_amount, raised=False)
    problem = _bidder_problem(auction, bidder, now)
    if problem is not None:
        raise AuctionError(problem[0], code=problem[1])
    if not in_range:
        raise AuctionError(
            _("Enter your bid as a number, e.g. %(example)s.") % {"example": min_next_bid(auction)}, code="amount"
        )
    if units is not None:
        raise AuctionError(units, code="amount")
    amount = money_quantize(amount, auction.currency)  # the same amount, with the currency's places
    leader_proxy = (
        ProxyBid.objects.filter(auction=auction, bidder_id=auction.leader_id).first() if auction.leader_id else None
    )
    state = State(
        currency=auction.currency,
        start_price=auction.start_price,
        reserve_price=auction.reserve_price,
        price=auction.current_price,
        leader=auction.leader_id,
        leader_max=leader_proxy.max_amount if leader_proxy else None,
    )
    try:
        result = apply_bid(state, bidder=bidder.pk, amount=amount)
    except BidRefused as refused:
        raise AuctionError(str(refused), code=refused.code) from refused

    proxy, created = ProxyBid.objects.get_or_create(
        auction=auction, bidder=bidder, defaults={"max_amount": amount, "raised_at": now, "client_key": client_key}
    )
    if not created and amount > proxy.max_amount:
        proxy.max_amount, proxy.raised_at, proxy.client_key = amount, now, client_key
        proxy.save(update_fields=["max_amount", "raised_at", "client_key", "updated_at"])
    with transaction.atomic():
        Bid.objects.bulk_create(
            [
                Bid(auction=auction, bidder_id=step.bidder, amount=step.amount, automatic=step.automatic)
                for step in result.steps
            ]
        )

    new = result.state
    auction.current_price = new.price
    auction.leader_id = new.leader
    auction.reserve_met = new.reserve_met
    auction.bid_count += len(result.steps)
    auction.status = A.LIVE
    fields = ["current_price", "leader", "reserve_met", "bid_count", "status", "seq", "updated_at"]
    window = timedelta(minutes=auction.soft_close_minutes)
    if result.steps and auction.ends_at - now < window:
        auction.ends_at = now + window
        fields.append("ends_at")
        job_schedule_on_commit("auctions.close", auction.pk, eta=auction.ends_at)
    if result.steps:
        auction.seq += 1
    auction.save(update_fields=fields)
    if result.steps:
        _push_state(auction)
    if result.outbid is not None:
        _tell_outbid(auction, result.outbid)

    return _outcome(auction, bidder=bidder, maximum=amount, raised=not created and not result.steps)


def _outcome(auction: Auction, *, bidder, maximum: Decimal, raised: bool) -> BidOutcome:
    """What the bidder is told of their maximum ``maximum`` as the auction stands;
    ``raised``: it raised the maximum of the leader, who still leads at the same price."""
    leading = auction.leader_id == bidder.pk
    if not leading:
        message = _("You were outbid at once: another bidder's maximum is higher (or the same and set earlier).")
    elif raised:
        message = _("Your maximum is now %(max)s. You still lead at %(price)s.") % {
            "max": money_format(maximum, auction.currency),
            "price": money_format(auction.current_price, auction.currency),
        }
    else:
        message = _("You lead at %(price)s. %(site)s bids for you up to %(max)s.") % {
            "price": money_format(auction.current_price, auction.currency),
            "max": money_format(maximum, auction.currency),
            "site": settings.SOKO_SITE_NAME,
        }
    return BidOutcome(auction=auction, leading=leading, message=message)


def _tell(**fields) -> None:
    """``notify`` with the move: who is told and what is decided here, under the auction's
    row lock, and the notice is written in the same transaction (one insert), so a worker
    dying after the close commits cannot leave the winner untold; it is rendered and pushed
    (and its email queued) after the commit, and nothing at all when the move rolls back."""
    notify(**fields)


def _tell_outbid(auction: Auction, user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return
    text = lazy_text(
        gettext_lazy("You were outbid on %(title)s: the price is now %(price)s."),
        title=auction.product.title,
        price=lazy_money(auction.current_price, auction.currency),
    )
    _tell(user=user, kind="auction", text=text, url=reverse("auctions:detail", args=[auction.pk]), email=True)


PRICE_CHANGED = gettext_lazy("The price is no longer %(shown)s: check the new one and confirm again.")
TOTAL_CHANGED = gettext_lazy(
    "With its delivery it now comes to %(total)s, not %(shown)s: check the new amount and confirm again."
)


def buy_now(
    *, auction_id: int, buyer, price: Decimal | None = None, total: Decimal | None = None, client_key: str = ""
) -> Auction:
    """Buy the item at its buy-it-now price: the auction ends at once, sold to ``buyer``.
    ``price`` is the amount the buyer confirmed, and ``total`` what they confirmed paying
    with its delivery: any other is refused (code ``price_changed``) and nothing is sold,
    so the amount charged is the amount shown. With a ``client_key``
    under which ``buyer`` bought it before (an app's Idempotency-Key, sent again after a
    lost answer), that purchase is the answer."""
    ensure_can_transact(buyer)

    def work():
        auction = _lock(auction_id)
        now = timezone.now()
        if (
            client_key
            and auction.buy_now_key == client_key
            and auction.winner_id == buyer.pk
            and auction.closed_at is not None
            and auction.closed_at >= client_keys_kept_since(now)
        ):
            return auction
        problem = _bidder_problem(auction, buyer, now)
        if problem is not None:
            raise AuctionError(problem[0], code=problem[1])
        if not buy_now_available(auction):
            raise AuctionError(_("Buy it now is no longer offered: bidding has begun."), code="buy_now_gone")
        if price is not None and price != auction.buy_now_price:
            raise AuctionError(str(PRICE_CHANGED % {"shown": money_format(price, auction.currency)}), code="price_changed")
        auction.status = A.ENDED
        auction.outcome = O.SOLD
        auction.closed_at = now
        auction.ends_at = now
        auction.buy_now_key = client_key
        _sell(auction, buyer=buyer, price=auction.buy_now_price, note=_("Bought with buy it now."), total=total)
        return auction

    try:
        return atomic_retrying(work, what="buy it now")
    except DatabaseBusy as error:
        raise AuctionError(_("Many people are bidding right now. Please try again."), code="busy") from error


def watch_set(*, auction: Auction, user, on: bool) -> bool:
    """Follow (or stop following) an auction; the watchers count moves once per change."""

    def work():
        if on:
            _watch, created = Watch.objects.get_or_create(auction=auction, user=user)
            changed = 1 if created else 0
        else:
            changed = -Watch.objects.filter(auction=auction, user=user).delete()[0]
        if changed:
            Auction.objects.filter(pk=auction.pk).update(watchers_count=F("watchers_count") + changed, seq=F("seq") + 1)
            auction.refresh_from_db(fields=["watchers_count", "seq"])
            _push_state(auction)
        return bool(changed)

    return atomic_retrying(work, what="watch")


# --- Closing ---------------------------------------------------------------------------


def _chargeable(auction: Auction, amount: Decimal) -> Decimal:
    """``amount`` as a price the auction's currency can charge. Bids are refused when finer
    than its minor unit (``_bid``), so only an amount from before that rule (or increments
    configured finer than the currency) is cut, down to the minor unit: never above what
    the bidder offered. Logged, as it should not happen."""
    if money_is_valid_for(amount, auction.currency):
        return amount
    cut = amount.quantize(Decimal(1).scaleb(-currency_places(auction.currency)), rounding=ROUND_DOWN)
    log.warning("auction %s: %s %s is finer than the currency's minor unit, sold at %s", auction.pk, amount, auction.currency, cut)
    return cut


def _sell(
    auction: Auction, *, buyer, price: Decimal, note: str, tell_bidders: bool = True, total: Decimal | None = None
) -> None:
    """Record the sale of a locked auction and create the buyer's order with its deadline;
    the other bidders hear they did not win (``tell_bidders``: not again on a second chance).
    ``total``: what the buyer confirmed paying, delivery included; an order that comes to
    anything else is refused (the caller's transaction rolls back, nothing is sold)."""
    price = _chargeable(auction, price)
    due_by = timezone.now() + timedelta(hours=settings.SOKO_AUCTION_PAYMENT_HOURS)
    variant = auction.product.variants.order_by("position", "id").first()
    if variant is None:
        raise AuctionError(_("This product has no variant to sell."))
    variant.product = auction.product
    order = won_order_create(buyer=buyer, variant=variant, price=price, due_by=due_by, note=note)
    if total is not None and order.total != total:
        raise AuctionError(
            str(
                TOTAL_CHANGED
                % {"shown": money_format(total, auction.currency), "total": money_format(order.total, auction.currency)}
            ),
            code="price_changed",
        )
    auction.winner = buyer
    auction.final_price = price
    auction.order = order
    auction.seq += 1
    auction.save()
    _push_state(auction, parties=True)
    if tell_bidders:
        _tell_bidders(
            auction,
            lazy_text(
                gettext_lazy("The auction of %(title)s has ended: it sold for %(price)s. You did not win."),
                title=auction.product.title,
                price=lazy_money(price, auction.currency),
            ),
            but=buyer.pk,
        )
    url = reverse("payments:status", args=[order.checkout.idempotency_key])
    _tell(
        user=buyer,
        kind="auction",
        text=lazy_text(
            gettext_lazy("You won %(title)s for %(price)s. Pay by %(due)s to keep it."),
            title=auction.product.title,
            price=lazy_money(price, auction.currency),
            due=_when(due_by),
        ),
        url=url,
        email=True,
    )
    _tell_store(
        auction,
        lazy_text(
            gettext_lazy("Auction sold: %(title)s for %(price)s (order %(number)s, awaiting payment)."),
            title=auction.product.title,
            price=lazy_money(price, auction.currency),
            number=order.number,
        ),
    )


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _tell_bidders(auction: Auction, text, *, but: int | None = None) -> None:
    """Tell each bidder (``but`` one) what became of the auction."""
    bidders = get_user_model().objects.filter(pk__in=ProxyBid.objects.filter(auction=auction).values("bidder_id"))
    if but is not None:
        bidders = bidders.exclude(pk=but)
    for user in bidders:
        _tell(user=user, kind="auction", text=text, url=reverse("auctions:detail", args=[auction.pk]))


def _tell_store(auction: Auction, text) -> None:
    url = reverse("sellers:auction_detail", args=[auction.pk])
    for user in auction.store.members.all():
        _tell(user=user, kind="auction", text=text, url=url, email=True)


def auction_close(*, auction_id: int) -> bool:
    """Close one auction whose end has passed: sold to the leader when the reserve is met
    (with their order), else unsold. Exactly once: the row lock and the status make a
    second run (or a run after a crash that rolled back) do nothing more."""

    def work():
        auction = _lock(auction_id)
        now = timezone.now()
        if auction.status not in Auction.OPEN or auction.ends_at > now:
            return False
        auction.status = A.ENDED
        auction.closed_at = now
        if auction.leader_id is None:
            auction.outcome = O.NO_BIDS
        elif not auction.reserve_met:
            auction.outcome = O.RESERVE_NOT_MET
        else:
            auction.outcome = O.SOLD
            _sell(auction, buyer=auction.leader, price=auction.current_price, note=_("Won at auction."))
            return True
        auction.seq += 1
        auction.save(update_fields=["status", "closed_at", "outcome", "seq", "updated_at"])
        _push_state(auction, parties=True)
        if auction.outcome == O.RESERVE_NOT_MET:
            _tell_bidders(
                auction,
                lazy_text(
                    gettext_lazy("The auction of %(title)s has ended below the seller's reserve: it was not sold."),
                    title=auction.product.title,
                ),
            )
            text = gettext_lazy(
                "Auction ended below your reserve: %(title)s. Offer the top bidder the reserve price, or relist it."
            )
        else:
            text = gettext_lazy("Auction ended with no bids: %(title)s. You can relist it.")
        _tell_store(auction, lazy_text(text, title=auction.product.title))
        return True

    return atomic_retrying(work, what="auction close")


def auctions_close_due(*, now=None) -> int:
    """Close every auction past its end (the periodic job; safe to run any number of times)."""
    now = now or timezone.now()
    due = list(Auction.objects.filter(status__in=Auction.OPEN, ends_at__lte=now).values_list("pk", flat=True)[:500])
    closed = 0
    for pk in due:
        try:
            closed += auction_close(auction_id=pk)
        except Exception:  # one bad auction must not hold up the others; the next run tries again
            log.exception("closing auction %s failed", pk)
    return closed


def auctions_start_due(*, now=None) -> int:
    """Scheduled auctions whose start has come are live (pages read the clock anyway)."""
    now = now or timezone.now()
    started = 0
    for pk in list(Auction.objects.filter(status=A.SCHEDULED, starts_at__lte=now).values_list("pk", flat=True)):
        with transaction.atomic():
            auction = _lock(pk)
            if auction.status == A.SCHEDULED:
                auction.status = A.LIVE
                auction.seq += 1
                auction.save(update_fields=["status", "seq", "updated_at"])
                _push_state(auction)
                started += 1
    return started


def auctions_ending_soon_notify(*, now=None) -> int:
    """Tell the watchers of each auction that ends within SOKO_AUCTION_ENDING_SOON_MINUTES,
    once per auction (claimed by a conditional update)."""
    now = now or timezone.now()
    soon = now + timedelta(minutes=settings.SOKO_AUCTION_ENDING_SOON_MINUTES)
    told = 0
    candidates = Auction.objects.filter(
        status__in=Auction.OPEN,
        ends_at__gt=now,
        ends_at__lte=soon,
        starts_at__lte=now,
        ending_soon_sent_at__isnull=True,
    ).select_related("product")
    for auction in candidates:
        with transaction.atomic():
            if not Auction.objects.filter(pk=auction.pk, ending_soon_sent_at__isnull=True).update(
                ending_soon_sent_at=now
            ):
                continue
            for watch in Watch.objects.filter(auction=auction).select_related("user"):
                _tell(
                    user=watch.user,
                    kind="auction",
                    text=lazy_text(gettext_lazy("Ending soon: %(title)s."), title=auction.product.title),
                    url=reverse("auctions:detail", args=[auction.pk]),
                    email=True,
                )
            told += 1
    return told


# --- Unpaid winners and second chances -------------------------------------------------


def unpaid_wins_settle() -> int:
    """Each sold auction whose payment deadline passed unpaid (``unpaid_wins_due``): a violation for the
    buyer (a block at SOKO_AUCTION_VIOLATIONS_TO_BLOCK), and a second-chance offer to the
    next bidder at their own highest bid. Once per order (the violation is unique to it)."""
    due = unpaid_wins_due().values_list("pk", flat=True)
    settled = 0
    for pk in list(due):
        settled += atomic_retrying(lambda pk=pk: _settle_unpaid(pk), what="unpaid win")
    return settled


def _settle_unpaid(auction_id: int) -> bool:
    auction = _lock(auction_id)
    order = auction.order
    if order is None or not unpaid_wins_due().filter(pk=auction.pk).exists():
        return False
    buyer = order.buyer
    PaymentViolation.objects.create(buyer=buyer, auction=auction, order=order)
    _block_if_due(buyer)
    _tell(
        user=buyer,
        kind="auction",
        text=lazy_text(
            gettext_lazy("You did not pay for %(title)s in time: the order is cancelled and recorded as unpaid."),
            title=auction.product.title,
        ),
        url=reverse("auctions:detail", args=[auction.pk]),
        email=True,
    )
    auction.winner = None
    auction.order = None
    auction.final_price = None
    auction.seq += 1
    auction.save(update_fields=["winner", "order", "final_price", "seq", "updated_at"])
    _offer_to_next(auction)
    _push_state(auction, parties=True)
    return True


def _block_if_due(user) -> None:
    last_lift = BiddingBlock.objects.filter(user=user, lifted_at__isnull=False).order_by("-lifted_at").first()
    violations = PaymentViolation.objects.filter(buyer=user)
    if last_lift is not None:
        violations = violations.filter(created_at__gt=last_lift.lifted_at)
    if violations.count() < settings.SOKO_AUCTION_VIOLATIONS_TO_BLOCK:
        return
    if BiddingBlock.objects.filter(user=user, lifted_at__isnull=True).exists():
        return
    BiddingBlock.objects.create(user=user, reason=_("%(count)s won auctions not paid.") % {"count": violations.count()})


def _offer_to_next(auction: Auction) -> SecondChanceOffer | None:
    """Offer the item to the highest bidder not yet offered it, who has not failed to pay
    for it and may bid, at their own highest bid."""
    offered = set(SecondChanceOffer.objects.filter(auction=auction).values_list("bidder_id", flat=True))
    unpaid = set(PaymentViolation.objects.filter(auction=auction).values_list("buyer_id", flat=True))
    blocked = set(BiddingBlock.objects.filter(lifted_at__isnull=True).values_list("user_id", flat=True))
    skip = offered | unpaid | blocked
    # Not to a bidder tied to the store (one who joined its team, or a related one, after bidding).
    proxies = list(ProxyBid.objects.filter(auction=auction).select_related("bidder").order_by("-max_amount", "raised_at"))
    skip |= set(tied_to_store(store=auction.store, user_ids=[proxy.bidder_id for proxy in proxies]))
    for proxy in proxies:
        if proxy.bidder_id in skip:
            continue
        if auction.reserve_price is not None and proxy.max_amount < auction.reserve_price:
            break
        return _offer_make(
            auction, bidder=proxy.bidder, amount=proxy.max_amount, reason=SecondChanceOffer.Reason.UNPAID
        )
    _tell_store(
        auction,
        lazy_text(
            gettext_lazy("No one is left to offer %(title)s to after an unpaid win. You can relist it."),
            title=auction.product.title,
        ),
    )
    return None


def _offer_make(auction: Auction, *, bidder, amount: Decimal, reason: str) -> SecondChanceOffer:
    amount = _chargeable(auction, amount)
    offer = SecondChanceOffer.objects.create(
        auction=auction,
        bidder=bidder,
        amount=amount,
        reason=reason,
        expires_at=timezone.now() + timedelta(hours=settings.SOKO_AUCTION_OFFER_HOURS),
    )
    _tell(
        user=bidder,
        kind="auction",
        text=lazy_text(
            gettext_lazy("Second chance: %(title)s is yours for %(price)s if you accept by %(due)s."),
            title=auction.product.title,
            price=lazy_money(amount, auction.currency),
            due=_when(offer.expires_at),
        ),
        url=reverse("auctions:detail", args=[auction.pk]),
        email=True,
    )
    return offer


def reserve_offer_make(*, auction_id: int, actor) -> SecondChanceOffer:
    """The seller offers the item at the reserve price to the top bidder of an auction that
    ended below it."""

    def work():
        auction = _lock(auction_id)
        if not user_manages_auction(user=actor, auction=auction):
            raise AuctionError(_("Only the store's team can do this."), code="forbidden")
        if auction.outcome != O.RESERVE_NOT_MET or auction.leader_id is None:
            raise AuctionError(_("Only an auction that ended below its reserve can be offered at the reserve."))
        if SecondChanceOffer.objects.filter(auction=auction).exists():
            raise AuctionError(_("This auction was already offered to its top bidder."))
        if user_tied_to_store(user=auction.leader, store=auction.store):
            raise AuctionError(
                _(
                    "The top bidder is now on your team or on a related store's team: the item cannot be offered to them."
                ),
                code="tied",
            )
        offer = _offer_make(
            auction, bidder=auction.leader, amount=auction.reserve_price, reason=SecondChanceOffer.Reason.RESERVE
        )
        _push_parties(auction)
        return offer

    return atomic_retrying(work, what="reserve offer")


def offer_answer(
    *, offer_id: int, user, accept: bool, price: Decimal | None = None, total: Decimal | None = None
) -> SecondChanceOffer:
    """The bidder accepts (an order to pay, with the usual deadline) or declines an offer.
    Declining is open to anyone; accepting is buying (``ensure_can_transact``), at ``price``
    when given (the amount the bidder confirmed) and for ``total`` with its delivery."""
    if accept:
        ensure_can_transact(user)
    return atomic_retrying(
        lambda: _offer_answer(offer_id=offer_id, user=user, accept=accept, price=price, total=total),
        what="offer answer",
    )


def _offer_answer(
    *, offer_id: int, user, accept: bool, price: Decimal | None = None, total: Decimal | None = None
) -> SecondChanceOffer:
    """``offer_answer`` inside the caller's transaction."""
    offer = SecondChanceOffer.objects.filter(pk=offer_id, bidder=user).first()
    if offer is None:
        raise AuctionError(_("This offer does not exist."), code="missing")
    auction = _lock(offer.auction_id)
    offer = SecondChanceOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != OFFER.OPEN or offer.expires_at <= timezone.now():
        raise AuctionError(_("This offer is no longer open."), code="closed")
    if not accept:
        offer.status = OFFER.DECLINED
        offer.save(update_fields=["status", "updated_at"])
        if offer.reason == SecondChanceOffer.Reason.UNPAID:
            _offer_to_next(auction)
        _push_parties(auction)
        return offer
    if user_is_blocked_from_bidding(user=user):
        raise AuctionError(_("You may not buy at auction: too many auctions you won were not paid."), code="blocked")
    if tie := user_tied_to_store(user=user, store=auction.store):
        raise AuctionError(str(TIED[tie]), code="tied")
    if price is not None and price != offer.amount:
        raise AuctionError(str(PRICE_CHANGED % {"shown": money_format(price, auction.currency)}), code="price_changed")
    offer.status = OFFER.ACCEPTED
    offer.save(update_fields=["status", "updated_at"])
    auction.outcome = O.SOLD
    _sell(
        auction, buyer=user, price=offer.amount, note=_("Bought from a second-chance offer."), tell_bidders=False,
        total=total,
    )
    return offer


def offers_expire(*, now=None) -> int:
    """Open offers past their time expire; an unpaid win's offer moves on to the next bidder."""
    now = now or timezone.now()
    expired = 0
    for pk in list(
        SecondChanceOffer.objects.filter(status=OFFER.OPEN, expires_at__lte=now).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            offer = SecondChanceOffer.objects.select_related("auction").get(pk=pk)
            auction = _lock(offer.auction_id)
            if not SecondChanceOffer.objects.filter(pk=pk, status=OFFER.OPEN).update(status=OFFER.EXPIRED):
                continue
            expired += 1
            if offer.reason == SecondChanceOffer.Reason.UNPAID:
                _offer_to_next(auction)
            _push_parties(auction)
    return expired


def proxy_bids_cancel(*, bidder) -> int:
    """Soko stops bidding for ``bidder`` (a deactivated account): in each auction still
    open, their maximum comes down to what they have already bid (the current price where
    they lead), so no other bid raises them again. Bids already placed stand. Returns how
    many maximums came down; running it again changes nothing."""
    auction_ids = list(
        ProxyBid.objects.filter(bidder=bidder, auction__status__in=Auction.OPEN)
        .order_by("auction_id")
        .values_list("auction_id", flat=True)
    )

    def cut(auction_id: int) -> int:
        auction = _lock(auction_id)
        if auction.status not in Auction.OPEN:
            return 0
        proxy = ProxyBid.objects.select_for_update().filter(auction=auction, bidder=bidder).first()
        if proxy is None:
            return 0
        if auction.leader_id == bidder.pk:
            reached = auction.current_price
        else:
            reached = Bid.objects.filter(auction=auction, bidder=bidder).aggregate(top=Max("amount"))["top"]
        if reached is None or proxy.max_amount <= reached:
            return 0
        proxy.max_amount = reached
        proxy.save(update_fields=["max_amount", "updated_at"])
        return 1

    # In the caller's transaction (a deactivation holds one): a retry wrapper cannot nest.
    with transaction.atomic():
        return sum(cut(pk) for pk in auction_ids)


def offers_decline_all(*, user) -> int:
    """Decline every open second-chance offer to ``user`` (a deactivated account cannot buy);
    an unpaid win's offer moves on to the next bidder. Returns how many were declined."""
    declined = 0
    for pk in list(SecondChanceOffer.objects.filter(bidder=user, status=OFFER.OPEN).values_list("pk", flat=True)):
        try:
            with transaction.atomic():  # in the caller's transaction (a deactivation's)
                _offer_answer(offer_id=pk, user=user, accept=False)
        except AuctionError:  # expired or answered meanwhile
            continue
        declined += 1
    return declined


def bidding_block_lift(*, block: BiddingBlock, actor) -> bool:
    """Staff let a blocked buyer bid again; earlier violations no longer count to a block.
    The moderation log hears of it on the buyer's account."""
    with transaction.atomic():
        lifted = BiddingBlock.objects.filter(pk=block.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor
        )
        if lifted:
            staff_acted.send(
                sender=BiddingBlock,
                actor=actor,
                action="bidding_unblocked",
                target=block.user,
                before={"bidding_block": block.pk, "blocked": True, "block_reason": block.reason},
                after={"blocked": False},
            )
    return bool(lifted)


# --- Live pages ------------------------------------------------------------------------


def live_fragments(auction: Auction, *, bids=None, times_marked: bool = False) -> str:
    """The parts of the auction page that change, as out-of-band fragments (the page renders
    the same templates); once the auction no longer takes bids, its bidding part too, the
    same for every viewer (the bid and buy-it-now forms go). ``times_marked``: times as
    markers that each watcher's socket fills in for its zone (``local_times_fill``)."""
    # Rendered without a request: no context processor gives the site's name.
    site = {"site_name": settings.SOKO_SITE_NAME}
    context = {**live_context(auction, bids=bids), "oob": True, "times_marked": times_marked, **site}
    html = render_to_string("auctions/_live.html", context)
    if auction.status in (A.ENDED, A.CANCELLED):
        html += render_to_string("auctions/_bidding.html", {"auction": auction, "is_open": False, "oob": True, **site})
    return html


def _push_state(auction: Auction, *, parties: bool = False) -> None:
    """After commit, send the auction's new state to its watchers, rendered once per
    language with its times marked; each socket takes its language's copy and fills the
    times in for its zone. With ``parties`` (an ending, a change of hands), each party's
    own part follows (``_push_parties``)."""

    def send():
        try:
            fresh = Auction.objects.select_related("product", "store", "leader").get(pk=auction.pk)
            bids = bid_history(auction=fresh)  # read once, rendered in every language
            copies = {}
            for code, _name in settings.LANGUAGES:
                with translation.override(code):
                    copies[code] = live_fragments(fresh, bids=bids, times_marked=True)
            group = auction_group(auction.pk)
            data = {
                "auction": fresh.pk,
                "version": fresh.seq,
                "status": fresh.status,
                "current_price": fresh.current_price,
                "currency": fresh.currency,
                "bid_count": fresh.bid_count,
                "reserve_met": fresh.reserve_met,
                "ends_at": fresh.ends_at,
            }
            message = {"type": "auction.push", "seq": fresh.seq, "html": copies}
            group_send(group, event_message(group, message, "auction.changed", data))
        except Exception:  # best effort: pages re-read the state on reconnect or on a gap
            log.exception("push of auction %s failed", auction.pk)

    transaction.on_commit(send, robust=True)
    if parties:
        _push_parties(auction)


def _push_parties(auction: Auction) -> None:
    """After commit, each party's own part of the auction's open pages, to their user groups
    (the auction's group may hold visitors): to each bidder, watcher, buyer and offered
    bidder the bid box as they see it (the winner's Pay now, the others' "you did not
    win", an offer to answer); to the store's team the outcome of their page of it.
    Rendered without a request (``pushed``): auction.js gives their forms the page's CSRF token."""

    def send():
        try:
            fresh = Auction.objects.select_related("product", "store", "leader", "winner", "order__checkout").get(
                pk=auction.pk
            )
            team = list(fresh.store.members.all())
            people = get_user_model().objects.filter(pk__in=auction_parties(auction=fresh)).exclude(
                pk__in=[member.pk for member in team]
            )
            for user in people:
                with speaking_to(user):
                    html = render_to_string(
                        "auctions/_box.html",
                        {
                            **viewer_context(user=user, auction=fresh),
                            "oob": True,
                            "pushed": True,
                            "site_name": settings.SOKO_SITE_NAME,
                        },
                    )
                group_send(user_group(user.pk), {"type": "html.push", "html": html})
            for member in team:
                with speaking_to(member):
                    html = render_to_string(
                        "auctions/_store_outcome.html",
                        {**store_outcome_context(auction=fresh), "oob": True, "pushed": True},
                    )
                group_send(user_group(member.pk), {"type": "html.push", "html": html})
        except Exception:  # best effort: an ended auction's page re-reads the viewer's part
            log.exception("push of auction %s to its parties failed", auction.pk)

    transaction.on_commit(send, robust=True)
