"""The rules of bidding as pure functions: increments, the minimum next bid, and what one
new maximum does to an auction's state (eBay's proxy bidding). No database here: the
service reads the locked auction into a ``State``, asks ``apply_bid``, and writes back.

Proxy bidding in one paragraph: each bidder gives a maximum. The leader is the highest
maximum (the earlier one on a tie). The price is what the leader needs to beat everyone
else: the second-highest maximum plus one increment, never more than the leader's own
maximum, never less than the start price, and raised to the reserve as soon as the
leader's maximum reaches it. Each step of the price is a ``Step`` in the bid history.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from shop.core.selectors.money import money_format


def increment_for(price: Decimal, currency: str) -> Decimal:
    """The step a bid must add to ``price``: the band of ``SOKO_AUCTION_INCREMENTS`` the
    price falls in, scaled for the currency (``SOKO_AUCTION_INCREMENT_SCALES``)."""
    scale = settings.SOKO_AUCTION_INCREMENT_SCALES.get(currency, Decimal("1"))
    step = settings.SOKO_AUCTION_INCREMENTS[0][1]
    for start, band_step in settings.SOKO_AUCTION_INCREMENTS:
        if price >= start * scale:
            step = band_step
    return step * scale


def increment_table(currency: str) -> list[tuple[Decimal, Decimal]]:
    """The bands as the auction page shows them: (from price, step)."""
    scale = settings.SOKO_AUCTION_INCREMENT_SCALES.get(currency, Decimal("1"))
    return [(start * scale, step * scale) for start, step in settings.SOKO_AUCTION_INCREMENTS]


@dataclass(frozen=True)
class State:
    """What the bidding rules need to know of an auction."""

    currency: str
    start_price: Decimal
    reserve_price: Decimal | None = None
    price: Decimal | None = None  # None until the first bid
    leader: int | None = None
    leader_max: Decimal | None = None

    @property
    def min_next(self) -> Decimal:
        """The least another bidder may offer now."""
        if self.price is None:
            return self.start_price
        return self.price + increment_for(self.price, self.currency)

    @property
    def reserve_met(self) -> bool:
        return self.price is not None and (self.reserve_price is None or self.price >= self.reserve_price)


@dataclass(frozen=True)
class Step:
    bidder: int
    amount: Decimal
    automatic: bool = False


@dataclass(frozen=True)
class Result:
    state: State
    steps: list[Step] = field(default_factory=list)
    # The bidder leads after this bid (else they were outbid at once by a higher maximum).
    leading: bool = True
    # Who led before and leads no more (to be told they were outbid).
    outbid: int | None = None


class BidRefused(Exception):
    def __init__(self, message: str, *, code: str):
        self.code = code
        super().__init__(message)


def _with_reserve(price: Decimal, maximum: Decimal, reserve: Decimal | None) -> Decimal:
    """The price raised to the reserve when the leader's maximum reaches it."""
    if reserve is not None and maximum >= reserve and price < reserve:
        return reserve
    return price


def apply_bid(state: State, *, bidder: int, amount: Decimal) -> Result:
    """The state after ``bidder`` gives ``amount`` as their maximum. Raises ``BidRefused``
    (code ``too_low``) for an amount the rules do not accept; the caller checks everything
    else (the auction is live, the bidder may bid)."""
    if bidder == state.leader:
        if amount <= state.leader_max:
            raise BidRefused(
                _("You already lead with a maximum of %(max)s: to raise it, bid more than that.")
                % {"max": money_format(state.leader_max, state.currency)},
                code="too_low",
            )
        price = _with_reserve(state.price, amount, state.reserve_price)
        steps = [Step(bidder, price)] if price != state.price else []
        return Result(replace(state, leader_max=amount, price=price), steps)

    if amount < state.min_next:
        raise BidRefused(
            _("Bid at least %(min)s.") % {"min": money_format(state.min_next, state.currency)}, code="too_low"
        )

    if state.leader is None:
        price = _with_reserve(state.start_price, amount, state.reserve_price)
        return Result(replace(state, price=price, leader=bidder, leader_max=amount), [Step(bidder, price)])

    leader_max = state.leader_max
    if amount > leader_max:
        # The challenger leads: the old leader's proxy bid up to its maximum first.
        steps = [Step(state.leader, leader_max, automatic=True)] if leader_max > state.price else []
        price = min(amount, leader_max + increment_for(leader_max, state.currency))
        price = _with_reserve(price, amount, state.reserve_price)
        steps.append(Step(bidder, price))
        return Result(replace(state, price=price, leader=bidder, leader_max=amount), steps, outbid=state.leader)

    # The leader's maximum covers it: Soko answers for the leader, one increment above, at
    # most their maximum. Equal maximums: the earlier one leads, at that amount.
    steps = [] if amount == leader_max else [Step(bidder, amount)]
    price = min(leader_max, amount + increment_for(amount, state.currency))
    price = _with_reserve(price, leader_max, state.reserve_price)
    steps.append(Step(state.leader, price, automatic=True))
    return Result(replace(state, price=price), steps, leading=False)
