"""Reading auctions. An auction is public while its product is on sale (moderation decides)
or once it has ended; ``auction_get_public`` is the one rule pages and sockets ask."""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product
from shop.core.errors import NotFound
from shop.orders.models import OrderEvent, OrderStatus
from shop.orders.selectors.checkout import won_delivery
from shop.orders.selectors.orders import account_links
from shop.payments.models import PaymentStatus

from ..models import Auction, Bid, BiddingBlock, PaymentViolation, ProxyBid, SecondChanceOffer, Watch
from .bidding import State, increment_for

A = Auction.Status
HISTORY_SIZE = 20


def auction_group(auction_id: int) -> str:
    """The socket group of everyone watching one auction's page."""
    return f"auction.{auction_id}"


def auction_state(auction: Auction) -> State:
    return State(
        currency=auction.currency,
        start_price=auction.start_price,
        reserve_price=auction.reserve_price,
        price=auction.current_price,
        leader=auction.leader_id,
        leader_max=None,
    )


def auction_is_open(auction: Auction, *, now=None) -> bool:
    """Taking bids now: not ended or cancelled, between its start and end, product on sale."""
    now = now or timezone.now()
    return (
        auction.status in Auction.OPEN
        and auction.starts_at <= now < auction.ends_at
        and auction.product.status in Product.VISIBLE_STATUSES
    )


def buy_now_available(auction: Auction) -> bool:
    """Buy-it-now is offered until the first bid (with a reserve: the first bid that meets it)."""
    if auction.buy_now_price is None:
        return False
    if auction.reserve_price is None:
        return auction.bid_count == 0
    return not auction.reserve_met


def min_next_bid(auction: Auction):
    if auction.current_price is None:
        return auction.start_price
    return auction.current_price + increment_for(auction.current_price, auction.currency)


def bid_needs_confirming(auction: Auction, amount) -> bool:
    """A maximum far above the least next bid (SOKO_AUCTION_BID_CONFIRM_RATIO times or more:
    a zero too many) is confirmed before Soko may bid that much for the bidder."""
    return amount >= min_next_bid(auction) * settings.SOKO_AUCTION_BID_CONFIRM_RATIO


def bidder_handle(user) -> str:
    """How a bidder is shown to others: the first and last letter of their display name
    ("A***a"); without one, a code derived from the account that reveals nothing of the
    email address ("Bidder 3F2A"). The same person has the same handle everywhere."""
    name = (user.display_name or "").strip()
    if len(name) > 1:
        return f"{name[0]}***{name[-1]}"
    code = hmac.new(settings.SECRET_KEY.encode(), f"bidder:{user.pk}".encode(), hashlib.sha256).hexdigest()[:4].upper()
    return _("Bidder %(code)s") % {"code": code}


def live_context(auction: Auction, *, bids: list[Bid] | None = None) -> dict:
    """What ``auctions/_live.html`` shows, for the page, its re-read and the pushes.
    ``bids`` (the history, read once) lets a push render every language without asking
    the database again; the handles are made in the current language."""
    bids = bid_history(auction=auction) if bids is None else bids
    return {
        "auction": auction,
        "history": [(bid, bidder_handle(bid.bidder)) for bid in bids],
        "leader_handle": bidder_handle(auction.leader) if auction.leader_id else "",
        "min_next": min_next_bid(auction),
        "buy_now": buy_now_available(auction),
        "now": timezone.now(),
    }


def unpaid_wins_due() -> QuerySet[Auction]:
    """Sold auctions whose win is a payment violation not yet recorded: the order's payment
    deadline passed unpaid, so the deadline job cancelled it (an event no person made) and
    its checkout expired. A win awaiting payment, or cancelled by a person within its
    payment window (the buyer, the store, staff), is no violation and never counts toward
    a bidding block."""
    by_deadline = OrderEvent.objects.filter(
        order=OuterRef("order"), from_status=OrderStatus.PENDING, to_status=OrderStatus.CANCELLED, actor__isnull=True
    )
    return Auction.objects.filter(
        Exists(by_deadline),
        outcome=Auction.Outcome.SOLD,
        order__status=OrderStatus.CANCELLED,
        order__checkout__payment_status=PaymentStatus.EXPIRED,
        order__payment_violation__isnull=True,
    )


def user_is_blocked_from_bidding(*, user) -> bool:
    return BiddingBlock.objects.filter(user=user, lifted_at__isnull=True).exists()


def user_manages_auction(*, user, auction: Auction) -> bool:
    return user.is_authenticated and auction.store.members.filter(pk=user.pk).exists()


def store_tied_people(*, store) -> QuerySet:
    """The people tied to ``store``, who may not bid on its auctions nor buy from them: its
    team (owner and staff), and the team of every store one of them owns or works in. So
    the owner's other stores' teams are tied, and so are the owners and teams of the
    stores its staff work in. One hop: the teams of stores tied only through another tied store are not."""
    return get_user_model().objects.filter(stores__members__stores=store)


def tied_to_store(*, store, user_ids) -> dict[int, str]:
    """Of ``user_ids``, those tied to ``store``, each with how: ``"team"`` (one of
    ``store_tied_people``) or ``"linked"`` (an account sharing a phone, saved for delivery or
    paid with, with one of them: the same person under another account). A shared signup
    address or street is not a tie here: a carrier's many customers share one address."""
    team = set(store_tied_people(store=store).values_list("pk", flat=True))
    tied = {pk: "team" for pk in user_ids if pk in team}
    others = [pk for pk in user_ids if pk not in team]
    if others and team:
        links = account_links(user_ids=[*others, *team])
        team_phones = {link for pk in team for link in links[pk] if link.startswith("phone:")}
        tied |= {pk: "linked" for pk in others if links[pk] & team_phones}
    return tied


def user_tied_to_store(*, user, store) -> str | None:
    """How ``user`` is tied to ``store`` (``"team"`` or ``"linked"``), or None."""
    if not user.is_authenticated:
        return None
    return tied_to_store(store=store, user_ids=[user.pk]).get(user.pk)


def _public() -> QuerySet[Auction]:
    return (
        Auction.objects.select_related("product", "store")
        .filter(Q(product__status__in=Product.VISIBLE_STATUSES) | Q(status=A.ENDED))
        .exclude(status=A.CANCELLED)
    )


def auction_get_public(*, auction_id) -> Auction:
    auction = _public().filter(pk=auction_id).first()
    if auction is None:
        raise NotFound()
    return auction


def auctions_live(*, category=None, now=None) -> QuerySet[Auction]:
    """Taking bids now, ending first first."""
    now = now or timezone.now()
    found = (
        Auction.objects.select_related("product__category", "store")
        .filter(
            status__in=Auction.OPEN, starts_at__lte=now, ends_at__gt=now, product__status__in=Product.VISIBLE_STATUSES
        )
        .order_by("ends_at", "id")
    )
    if category is not None:
        found = found.filter(Q(product__category=category) | Q(product__category__parent=category))
    return found


def auctions_ending_soon(*, hours: int = 24, category=None, now=None) -> QuerySet[Auction]:
    now = now or timezone.now()
    return auctions_live(category=category, now=now).filter(ends_at__lte=now + timedelta(hours=hours))


def auctions_upcoming(*, category=None, now=None) -> QuerySet[Auction]:
    now = now or timezone.now()
    found = (
        Auction.objects.select_related("product__category", "store")
        .filter(status__in=Auction.OPEN, starts_at__gt=now, product__status__in=Product.VISIBLE_STATUSES)
        .order_by("starts_at", "id")
    )
    if category is not None:
        found = found.filter(Q(product__category=category) | Q(product__category__parent=category))
    return found


LIST_TABS = ("live", "ending", "upcoming")


def auctions_listed(*, show: str = "live", category=None) -> tuple[str, QuerySet[Auction]]:
    """The auctions page's list: ``show`` is ``live`` (the default, also for anything
    unknown), ``ending`` (within a day) or ``upcoming``; with the tab actually shown."""
    if show == "ending":
        return show, auctions_ending_soon(category=category)
    if show == "upcoming":
        return show, auctions_upcoming(category=category)
    return "live", auctions_live(category=category)


def bid_history(*, auction: Auction, limit: int = HISTORY_SIZE) -> list[Bid]:
    return list(Bid.objects.filter(auction=auction).select_related("bidder").order_by("-amount")[:limit])


def user_watches(*, user, auction: Auction) -> bool:
    return user.is_authenticated and Watch.objects.filter(user=user, auction=auction).exists()


def bidder_maximum(*, user, auction: Auction):
    """The most ``user`` asked Soko to bid for them on ``auction`` (None if they did not bid)."""
    if not user.is_authenticated:
        return None
    return ProxyBid.objects.filter(auction=auction, bidder=user).values_list("max_amount", flat=True).first()


def open_offer_for(*, user, auction: Auction) -> SecondChanceOffer | None:
    if not user.is_authenticated:
        return None
    return SecondChanceOffer.objects.filter(auction=auction, bidder=user, status=SecondChanceOffer.Status.OPEN).first()


def auctions_for_store(*, store) -> QuerySet[Auction]:
    return (
        Auction.objects.filter(store=store).select_related("product", "winner", "order").order_by("-created_at", "-id")
    )


def auction_get_for_store(*, store, auction_id) -> Auction:
    auction = auctions_for_store(store=store).filter(pk=auction_id).first()
    if auction is None:
        raise NotFound()
    return auction


def auctions_for_bidder(*, user) -> QuerySet[Auction]:
    """Auctions the user bid on, most recent first."""
    return (
        Auction.objects.filter(proxies__bidder=user)
        .select_related("product", "order")
        .order_by("-ends_at", "-id")
        .distinct()
    )


TIED = {
    "team": gettext_lazy(
        "You cannot bid on this auction or buy it: you are on the team of a store that shares its owner or staff "
        "with the seller's store."
    ),
    "linked": gettext_lazy(
        "You cannot bid on this auction or buy it: your account shares a phone number with someone on the "
        "seller's team."
    ),
}


def viewer_context(*, user, auction: Auction) -> dict:
    """What ``auctions/_box.html`` shows one viewer (the page renders it, and an ending
    pushes it to each party's open pages): their win to pay, an offer to answer, the bid
    and buy-it-now forms while they may bid, or that the auction ended without them."""
    signed_in = user.is_authenticated
    manages = user_manages_auction(user=user, auction=auction)
    bid = signed_in and ProxyBid.objects.filter(auction=auction, bidder=user).exists()
    won = signed_in and auction.winner_id == user.pk
    is_open = auction_is_open(auction)
    return {
        **live_context(auction),
        "user": user,
        "is_open": is_open,
        # What a win adds to the price for this viewer (the order's delivery), while they may bid.
        "delivery": won_delivery(buyer=user, store=auction.store) if signed_in and is_open and not manages else None,
        "watching": user_watches(user=user, auction=auction),
        "manages": manages,
        # Tied to the seller's store (a related team, a linked account): the box says so, no form.
        "tied": "" if manages else TIED.get(user_tied_to_store(user=user, store=auction.store), ""),
        "blocked": signed_in and user_is_blocked_from_bidding(user=user),
        "leading": signed_in and auction.leader_id == user.pk,
        "won": won,
        "lost": bid and not won and auction.status in (A.ENDED, A.CANCELLED),
        "offer": open_offer_for(user=user, auction=auction),
    }


def auction_parties(*, auction: Auction) -> set[int]:
    """Everyone whose own part of the auction's page an ending changes: its bidders, its
    watchers, its buyer and whoever holds an offer of it (the store's team aside)."""
    people = set(ProxyBid.objects.filter(auction=auction).values_list("bidder_id", flat=True))
    people |= set(Watch.objects.filter(auction=auction).values_list("user_id", flat=True))
    people |= set(SecondChanceOffer.objects.filter(auction=auction).values_list("bidder_id", flat=True))
    if auction.winner_id:
        people.add(auction.winner_id)
    return people


def auction_offers(*, auction: Auction) -> list[SecondChanceOffer]:
    """The auction's second-chance offers, newest first."""
    return list(SecondChanceOffer.objects.filter(auction=auction).select_related("bidder").order_by("-created_at"))


def auction_unpaid(*, auction: Auction) -> list[PaymentViolation]:
    """The auction's wins that were not paid for, oldest first."""
    return list(PaymentViolation.objects.filter(auction=auction).select_related("order", "buyer").order_by("created_at"))


def store_outcome_context(*, auction: Auction) -> dict:
    """What the store's page of the auction shows of its outcome (``auctions/_store_outcome.html``):
    rendered on the page, and pushed to the store's team when the auction ends or changes hands."""
    offers = [(offer, bidder_handle(offer.bidder)) for offer in auction_offers(auction=auction)]
    return {
        "auction": auction,
        "offers": offers,
        "unpaid": auction_unpaid(auction=auction),
        "leader_handle": bidder_handle(auction.leader) if auction.leader_id else "",
        "winner_handle": bidder_handle(auction.winner) if auction.winner_id else "",
        "can_offer_reserve": (
            auction.outcome == Auction.Outcome.RESERVE_NOT_MET and auction.leader_id is not None and not offers
        ),
        "now": timezone.now(),
    }
