"""Bidders at once, in real threads, each with its own database connection: the row lock on
the auction serialises them (PostgreSQL; on SQLite the IMMEDIATE transactions do, which
the smaller SQLite stories check). Whatever the race, one bid per amount, a price that
only rises to what the rules say, nothing accepted after the close, and nothing but an
``AuctionError`` for the person whose bid lost."""

import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Max
from django.utils import timezone

from shop.auctions.models import Auction, Bid, ProxyBid
from shop.auctions.selectors.auctions import min_next_bid
from shop.auctions.selectors.bidding import BidRefused, State, apply_bid
from shop.auctions.services import AuctionError, BidOutcome, auction_close, auctions_close_due, bid_place, buy_now
from shop.notifications.models import Notification
from shop.orders.models import Order
from tests.concurrency import at_once
from tests.connections import pool_sized
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.postgres


# Skipped before the database is set up (and flushed) for nothing.
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite story; PostgreSQL has its own (row locks)")


def D(value) -> Decimal:
    return Decimal(str(value))


def bidders_made(count: int) -> list:
    """``count`` bidders in one query (the races need many; their passwords do not matter)."""
    user_model = get_user_model()
    batch = uuid.uuid4().hex[:8]
    return user_model.objects.bulk_create(
        [user_model(email=f"bidder{n}-{batch}@example.test", display_name=f"Bidder {n}") for n in range(count)]
    )


@pytest.fixture
def every_bidder_connected(settings):
    """The process's pool of connections (SOKO_DB_MAX_CONNECTIONS, its own story in
    tests/core/test_db_busy.py) is widened, so that the bidders race on the auction's row,
    not on a free connection."""
    settings.SOKO_DB_CONNECT_WAIT_SECONDS = 60
    with pool_sized(40):
        yield


def assert_history_consistent(auction: Auction) -> None:
    """One bid per amount, the price the highest of them, the leader at the top maximum."""
    auction.refresh_from_db()
    amounts = list(Bid.objects.filter(auction=auction).values_list("amount", flat=True))
    assert len(amounts) == len(set(amounts)) == auction.bid_count
    assert not Bid.objects.filter(auction=auction).values("amount").annotate(n=Count("id")).filter(n__gt=1).exists()
    if amounts:
        assert max(amounts) == auction.current_price
        top = ProxyBid.objects.filter(auction=auction).aggregate(top=Max("max_amount"))["top"]
        assert ProxyBid.objects.get(auction=auction, bidder=auction.leader).max_amount == top
        assert auction.current_price <= top


# --- The same amount, a hundred times --------------------------------------------------


def same_amount_race(bidders: int):
    auction = live_auction(start_price="100")
    people = bidders_made(bidders)

    outcomes = at_once([lambda user=user: bid_place(auction_id=auction.pk, bidder=user, amount=D("100")) for user in people])

    accepted = [outcome for outcome in outcomes if isinstance(outcome, BidOutcome)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, AuctionError)]
    assert [outcome for outcome in outcomes if not isinstance(outcome, (BidOutcome, AuctionError))] == []
    assert len(accepted) == 1 and len(refused) == bidders - 1
    assert {(error.code, str(error)) for error in refused} == {("too_low", "Bid at least KES 105.")}
    auction.refresh_from_db()
    assert accepted[0].leading and auction.leader_id == accepted[0].auction.leader_id
    assert (auction.current_price, auction.bid_count, auction.seq) == (D("100"), 1, 1)
    assert Bid.objects.filter(auction=auction).count() == ProxyBid.objects.filter(auction=auction).count() == 1
    assert_history_consistent(auction)


@postgres_only
def test_a_hundred_bids_at_the_same_amount_one_is_accepted_the_rest_told_to_bid_higher(every_bidder_connected):
    same_amount_race(100)


@sqlite_only
def test_on_sqlite_the_same_amount_at_once_is_also_accepted_once():
    same_amount_race(12)


# --- Random amounts: the price only rises, to what the rules say ----------------------


def random_race(bidders: int, rounds: int, seed: int):
    auction = live_auction(start_price="100", reserve_price="400")
    people = bidders_made(bidders)

    def bidder(user, rng):
        seen = []
        amount = D(rng.randint(100, 300))
        for _round in range(rounds):
            try:
                outcome = bid_place(auction_id=auction.pk, bidder=user, amount=amount)
            except AuctionError as error:
                seen.append(error)
            else:
                # The price as this bidder saw it after their accepted bid, with its place in line.
                seen.append((outcome.auction.seq, amount, user.pk, outcome.auction.current_price))
            # Next: a little above the minimum the page shows now (often stale by the time it lands).
            shown = min_next_bid(Auction.objects.get(pk=auction.pk))
            amount = shown + D(rng.randint(0, 60)) + D(rng.choice(["0", "0.50"]))
        return seen

    rngs = [random.Random(seed * 1000 + n) for n in range(bidders)]
    results = at_once([lambda user=user, rng=rng: bidder(user, rng) for user, rng in zip(people, rngs, strict=True)])

    assert [result for result in results if not isinstance(result, list)] == []
    seen = [item for result in results for item in result]
    errors = [item for item in seen if isinstance(item, Exception)]
    accepted = sorted(item for item in seen if isinstance(item, tuple))
    # No database error reached a bidder: only "bid higher".
    assert {type(error) for error in errors} <= {AuctionError}
    assert {error.code for error in errors} <= {"too_low"}
    # The race ran: bids went through in every round, and many lost a race for an amount.
    assert len(accepted) >= 2 * rounds and len(errors) >= bidders

    # In the order the lock let them through, the price never fell.
    prices = [price for _seq, _amount, _bidder, price in accepted]
    assert prices == sorted(prices)
    # Each change of the visible state has its own number: none lost, none twice.
    auction.refresh_from_db()
    assert len({seq for seq, *_ in accepted}) == auction.seq

    # Replayed one by one through the rules, the same bids give the same prices and end.
    state = State(currency="KES", start_price=D("100"), reserve_price=D("400"))
    for _seq, amount, user_pk, price in accepted:
        try:
            state = apply_bid(state, bidder=user_pk, amount=amount).state
        except BidRefused:
            pytest.fail(f"accepted under the race, refused by the rules: {amount} by {user_pk} at {state}")
        assert state.price == price
    assert (auction.current_price, auction.leader_id, auction.reserve_met) == (state.price, state.leader, state.reserve_met)
    assert ProxyBid.objects.get(auction=auction, bidder_id=auction.leader_id).max_amount == state.leader_max
    assert_history_consistent(auction)
    return auction


@postgres_only
def test_fifty_bidders_racing_with_random_amounts_the_price_only_rises(every_bidder_connected):
    random_race(bidders=50, rounds=4, seed=2024)


@sqlite_only
def test_on_sqlite_bidders_racing_with_random_amounts_the_price_only_rises():
    random_race(bidders=8, rounds=4, seed=7)


# --- Bids racing the closing job ------------------------------------------------------


def close_trial(trial: int, people: list) -> tuple[int, int]:
    """An auction ending a moment from now (no soft close, so the end stays put); bidders
    bid as fast as they can across the end while another thread runs the closing job in
    a loop. Returns (bids accepted, bids refused because it had ended)."""
    auction = live_auction(start_price="100")
    end = timezone.now() + timedelta(milliseconds=120 + 5 * trial)
    Auction.objects.filter(pk=auction.pk).update(soft_close_minutes=0, ends_at=end)
    stop_bidding = end + timedelta(milliseconds=80)

    def bidder(user, rng):
        seen = []
        while timezone.now() < stop_bidding:
            amount = min_next_bid(Auction.objects.get(pk=auction.pk)) + D(rng.randint(0, 3))
            try:
                outcome = bid_place(auction_id=auction.pk, bidder=user, amount=amount)
            except AuctionError as error:
                seen.append(error)
                if error.code == "not_live":
                    break
            else:
                seen.append(outcome)
        return seen

    def closer():
        runs = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            runs.append(auction_close(auction_id=auction.pk))
            if runs[-1]:
                break
            time.sleep(0.002)
        return runs

    calls = [closer] + [lambda user=user, n=n: bidder(user, random.Random(trial * 100 + n)) for n, user in enumerate(people)]
    results = at_once(calls)

    assert [result for result in results if not isinstance(result, list)] == []
    runs, seen = results[0], [item for result in results[1:] for item in result]
    assert runs[-1] is True and runs.count(True) == 1
    errors = [item for item in seen if not isinstance(item, BidOutcome)]
    assert {type(error) for error in errors} <= {AuctionError}, errors
    assert {error.code for error in errors} <= {"too_low", "not_live"}

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.closed_at is not None
    assert auction.ends_at == end and auction.closed_at >= end
    # Nothing accepted after the close: every bid is older, and none above the final price.
    assert not Bid.objects.filter(auction=auction, created_at__gt=auction.closed_at).exists()
    assert_history_consistent(auction)
    if auction.bid_count:
        assert auction.outcome == Auction.Outcome.SOLD
        assert auction.final_price == auction.current_price
        assert not Bid.objects.filter(auction=auction, amount__gt=auction.final_price).exists()
        assert Order.objects.filter(buyer=auction.winner, items__variant__product=auction.product).count() == 1
    else:
        assert auction.outcome == Auction.Outcome.NO_BIDS
    return len(seen) - len(errors), sum(error.code == "not_live" for error in errors)


def close_race(trials: int, bidders: int) -> None:
    accepted = refused_as_ended = 0
    people = bidders_made(bidders)  # the same bidders, on a new auction each trial
    for trial in range(trials):
        trial_accepted, trial_refused = close_trial(trial, people)
        accepted += trial_accepted
        refused_as_ended += trial_refused
    # The race really ran across the end: bids went through before it and were refused after
    # (how many of each depends on the machine's load: a busy one starts the bidders late).
    assert accepted > 0 and refused_as_ended > 0


@postgres_only
def test_a_bid_racing_the_closing_job_is_never_accepted_after_the_close():
    close_race(trials=20, bidders=4)


@sqlite_only
def test_on_sqlite_a_bid_racing_the_closing_job_is_never_accepted_after_the_close():
    close_race(trials=4, bidders=3)


# --- Closing jobs racing each other, and buy it now against a bid ---------------------


def closing_runs_trial() -> None:
    auction = live_auction(start_price="100")
    winner = UserFactory()
    bid_place(auction_id=auction.pk, bidder=winner, amount=D("150"))
    ended(auction)

    outcomes = at_once([lambda: auction_close(auction_id=auction.pk)] * 3 + [auctions_close_due] * 3)

    assert all(isinstance(outcome, (bool, int)) for outcome in outcomes), outcomes
    assert sum(outcomes) == 1, outcomes
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.winner == winner
    assert Order.objects.filter(buyer=winner).count() == 1
    assert Notification.objects.filter(user=winner, text__startswith="You won").count() == 1


@postgres_only
def test_closing_runs_at_once_sell_once():
    for _trial in range(3):
        closing_runs_trial()


def buy_now_trial() -> None:
    auction = live_auction(start_price="100", buy_now_price="1000")
    buyer = UserFactory()
    bidders = [UserFactory() for _ in range(5)]
    calls = [lambda: buy_now(auction_id=auction.pk, buyer=buyer)] + [
        lambda user=user, n=n: bid_place(auction_id=auction.pk, bidder=user, amount=D(200 + 10 * n))
        for n, user in enumerate(bidders)
    ]

    outcomes = at_once(calls)

    assert all(isinstance(outcome, (Auction, BidOutcome, AuctionError)) for outcome in outcomes), outcomes
    auction.refresh_from_db()
    bought, bid_errors = outcomes[0], [outcome for outcome in outcomes[1:] if isinstance(outcome, AuctionError)]
    if isinstance(bought, Auction):
        # Sold before any bid: every bid after it heard the auction ended.
        assert auction.winner == buyer and auction.status == Auction.Status.ENDED
        assert not Bid.objects.filter(auction=auction).exists()
        assert [error.code for error in bid_errors] == ["not_live"] * 5
        assert Order.objects.filter(buyer=buyer).count() == 1
    else:
        assert bought.code == "buy_now_gone", bought
        assert auction.winner is None and auction.status == Auction.Status.LIVE
        assert Bid.objects.filter(auction=auction).exists() and not Order.objects.filter(buyer=buyer).exists()
        assert {error.code for error in bid_errors} <= {"too_low"}


@postgres_only
def test_buy_it_now_racing_bids_either_sells_or_is_gone_never_both():
    for _trial in range(4):
        buy_now_trial()
