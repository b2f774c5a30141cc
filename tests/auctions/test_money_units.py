"""Bids and auction prices in the auction's own currency, never finer than its minor unit:
a GNF maximum of 30000.50 is refused with a message (it used to be kept to the cent, proxy
bidding priced the item at it, and the won order of GNF 30000.50 could be neither charged
online nor its cash posted); a whole-franc bid wins an order whose total is in GNF minor
units. The rule is ``money_units_problem``; the page, the API and the service say its
sentence."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from shop.auctions.models import Auction, Bid, ProxyBid, SecondChanceOffer
from shop.auctions.selectors.bidding import increment_for
from shop.auctions.services import AuctionError, auction_close, bid_place, unpaid_wins_settle
from shop.core.selectors.currencies import money_is_valid_for, money_to_minor
from shop.core.selectors.money import money_format, money_units_problem
from shop.orders.models import Order
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.services import attempt_create
from tests.api.conftest import bearer, post, sign_in, verified
from tests.factories import StoreFactory, UserFactory
from tests.factories.auctions import auction_product, ended, live_auction
from tests.html import told

pytestmark = pytest.mark.django_db

WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."
TWO_DECIMALS = "Prices in KES have at most 2 decimals."


def gnf_auction(**terms) -> Auction:
    return live_auction(start_price="20000", store=StoreFactory(currency="GNF"), **terms)


def bid(auction, user, amount: str):
    return bid_place(auction_id=auction.pk, bidder=user, amount=Decimal(amount))


def refused(auction, user, amount: str) -> AuctionError:
    with pytest.raises(AuctionError) as caught:
        bid(auction, user, amount)
    return caught.value


def assert_nothing_written(auction):
    assert not Bid.objects.filter(auction=auction).exists()
    assert not ProxyBid.objects.filter(auction=auction).exists()
    fresh = Auction.objects.get(pk=auction.pk)
    assert (fresh.current_price, fresh.leader_id, fresh.bid_count) == (None, None, 0)


def test_the_rule_says_which_amounts_fit_a_currency():
    assert money_units_problem(Decimal("30000.50"), "GNF") == WHOLE_FRANCS
    assert money_units_problem(Decimal("0.5"), "GNF") == WHOLE_FRANCS
    assert money_units_problem(Decimal("99.505"), "KES") == TWO_DECIMALS
    for amount, currency in [("30000", "GNF"), ("30000.00", "GNF"), ("3E+4", "GNF"), ("99.5", "KES"), ("99.50", "KES")]:
        assert money_units_problem(Decimal(amount), currency) is None, (amount, currency)
    assert money_units_problem(Decimal("NaN"), "KES") == TWO_DECIMALS  # callers refuse it first, never a 500


def test_a_gnf_bid_with_a_fraction_of_a_franc_is_refused_with_a_message():
    auction = gnf_auction()
    error = refused(auction, UserFactory(), "30000.50")
    assert (error.code, str(error)) == ("amount", WHOLE_FRANCS)
    assert_nothing_written(auction)


def test_a_kes_bid_finer_than_a_cent_is_refused_not_rounded():
    auction = live_auction(start_price="100")
    error = refused(auction, UserFactory(), "150.004")
    assert (error.code, str(error)) == ("amount", TWO_DECIMALS)
    assert_nothing_written(auction)
    bid(auction, UserFactory(), "150.50")
    assert ProxyBid.objects.get(auction=auction).max_amount == Decimal("150.50")


def test_a_gnf_auction_sells_at_whole_francs_and_its_order_can_be_paid():
    """The audit's story: the fractional maximum is refused, the whole one wins, and the won
    order's total is what the page shows and what can be charged."""
    auction = gnf_auction()
    first, second = UserFactory(), UserFactory()
    assert refused(auction, first, "30000.50").code == "amount"
    bid(auction, first, "30000")
    bid(auction, second, "29000")
    auction_close(auction_id=ended(auction).pk)

    order = Order.objects.get(buyer=first)
    assert order.currency == "GNF"
    assert order.total == Decimal("29000") + increment_for(Decimal("29000"), "GNF") + order.delivery_fee
    assert money_is_valid_for(order.total, "GNF")
    assert money_format(order.total, "GNF") == f"GNF {int(order.total):,}"
    attempt = attempt_create(checkout=order.checkout, gateway="card", provider="dev")
    assert attempt.amount_minor == money_to_minor(order.checkout.total, "GNF")


def test_the_page_says_why_a_fractional_bid_is_refused(client):
    auction = gnf_auction()
    client.force_login(UserFactory())
    response = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "30000.50"})
    assert response.status_code == 422
    assert told(response) == [WHOLE_FRANCS]
    assert_nothing_written(auction)


def test_a_bid_far_above_the_next_is_refused_before_it_is_confirmed_at_a_rounded_amount(client):
    """The confirmation would ask "Bid up to GNF 2,000,001?" of a 2000000.50 maximum."""
    auction = gnf_auction()
    client.force_login(UserFactory())
    response = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "2000000.50"})
    assert response.status_code == 422
    assert told(response) == [WHOLE_FRANCS]
    assert_nothing_written(auction)


def test_the_api_refuses_a_fractional_bid_as_a_conflict_with_the_reason(client):
    auction = gnf_auction()
    user = verified(UserFactory())
    headers = {**bearer(sign_in(client, user)["access_token"]), "Idempotency-Key": "gnf-bid"}
    answer = post(client, f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "30000.50"}, **headers)
    assert answer.status_code == 409, answer.content
    assert (answer.json()["code"], answer.json()["detail"]) == ("amount", WHOLE_FRANCS)
    assert_nothing_written(auction)


def test_an_auction_priced_finer_than_its_currency_is_not_listed():
    store = StoreFactory(currency="GNF")
    with pytest.raises(AuctionError) as caught:
        live_auction(start_price="20000.50", buy_now_price="90000.5", product=auction_product(store=store))
    assert (caught.value.code, str(caught.value)) == ("terms", WHOLE_FRANCS)
    assert not Auction.objects.filter(store=store).exists()


def test_a_maximum_stored_before_the_rule_sells_at_most_at_that_amount_in_whole_francs():
    """A fractional maximum kept from before bids were checked: the sale, and the second
    chance offered to the runner-up when the winner does not pay, are cut down to whole
    francs (never above what the bidder offered)."""
    auction = gnf_auction()
    first, second = UserFactory(), UserFactory()
    bid(auction, first, "30000")
    bid(auction, second, "25000")
    ProxyBid.objects.filter(auction=auction, bidder=first).update(max_amount=Decimal("30000.50"))
    ProxyBid.objects.filter(auction=auction, bidder=second).update(max_amount=Decimal("25000.50"))
    Auction.objects.filter(pk=auction.pk).update(current_price=Decimal("30000.50"))
    auction_close(auction_id=ended(auction).pk)

    auction.refresh_from_db()
    assert auction.final_price == Decimal("30000")
    order = Order.objects.get(buyer=first)
    assert money_is_valid_for(order.total, "GNF")
    attempt_create(checkout=order.checkout, gateway="card", provider="dev")

    due_by = order.checkout.payment_due_by
    assert checkouts_expire(now=due_by + timedelta(seconds=1)) == 1
    with time_machine.travel(due_by + timedelta(seconds=2), tick=False):
        unpaid_wins_settle()
    offer = SecondChanceOffer.objects.get(auction=auction)
    assert (offer.bidder, offer.amount) == (second, Decimal("25000"))
