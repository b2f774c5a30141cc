"""A winner who does not pay: the order expires with the usual checkout job, then the
auctions job records the violation once, offers the item to the runner-up at their own
maximum, and blocks a buyer at the third unpaid win until staff lift it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from shop.auctions.models import Auction, BiddingBlock, PaymentViolation, ProxyBid, SecondChanceOffer
from shop.auctions.services import (
    AuctionError,
    auction_close,
    bid_place,
    bidding_block_lift,
    offer_answer,
    offers_expire,
    unpaid_wins_settle,
)
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.orders.services.payment_flow import checkouts_expire
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction

pytestmark = pytest.mark.django_db

OFFER = SecondChanceOffer.Status


def D(value) -> Decimal:
    return Decimal(str(value))


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, bidder=user, amount=D(amount))


def close_at(auction, moment) -> Auction:
    """Close ``auction`` with the clock standing at ``moment``."""
    with time_machine.travel(moment, tick=False):
        assert auction_close(auction_id=auction.pk)
    auction.refresh_from_db()
    return auction


def won(winner, *others, reserve=None) -> Auction:
    """A closed auction ``winner`` won at a maximum of 500 against ``others`` [(user, maximum)]."""
    auction = live_auction(start_price="100", reserve_price=reserve)
    bid(auction, winner, "500")
    for user, maximum in others:
        bid(auction, user, maximum)
    auction = ended(auction)
    assert auction_close(auction_id=auction.pk)
    auction.refresh_from_db()
    assert auction.winner == winner
    return auction


def let_the_deadline_pass(auction) -> None:
    """The payment deadline goes by unpaid: the checkout job cancels the order."""
    due_by = auction.order.checkout.payment_due_by
    assert checkouts_expire(now=due_by - timedelta(seconds=1)) == 0
    assert checkouts_expire(now=due_by + timedelta(seconds=1)) == 1


# --- The deadline ----------------------------------------------------------------------


def test_the_winners_order_is_due_the_payment_hours_after_the_close(settings):
    settings.SOKO_AUCTION_PAYMENT_HOURS = 36
    auction = live_auction()
    winner = UserFactory()
    bid(auction, winner, "150")
    moment = timezone.now()

    auction = close_at(ended(auction), moment)

    assert auction.closed_at == moment
    checkout = auction.order.checkout
    assert checkout.buyer == winner and checkout.payment_status == PaymentStatus.AWAITING
    assert checkout.payment_due_by == moment + timedelta(hours=36)


def test_an_order_paid_in_time_is_not_settled_as_unpaid():
    runner_up = UserFactory()
    auction = won(UserFactory(), (runner_up, "300"))
    auction.order.checkout.payment_status = PaymentStatus.PAID
    auction.order.checkout.save(update_fields=["payment_status"])

    assert checkouts_expire(now=auction.order.checkout.payment_due_by + timedelta(hours=1)) == 0
    assert unpaid_wins_settle() == 0
    assert not PaymentViolation.objects.exists() and not SecondChanceOffer.objects.exists()


def test_before_the_deadline_nothing_is_settled():
    auction = won(UserFactory(), (UserFactory(), "300"))
    assert checkouts_expire(now=auction.order.checkout.payment_due_by - timedelta(minutes=1)) == 0
    assert unpaid_wins_settle() == 0
    auction.order.refresh_from_db()
    assert auction.order.status == OrderStatus.PENDING


# --- Unpaid: violation once, second chance to the runner-up ----------------------------


def test_an_unpaid_win_is_recorded_once_and_offered_to_the_runner_up_at_their_own_maximum(django_capture_on_commit_callbacks):
    winner, runner_up, third = UserFactory(), UserFactory(), UserFactory()
    auction = won(winner, (third, "250"), (runner_up, "300"))
    assert auction.final_price == D("305")
    order = auction.order
    variant = auction.product.variants.get()
    assert variant.stock == 0

    let_the_deadline_pass(auction)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.checkout.payment_status == PaymentStatus.EXPIRED
    variant.refresh_from_db()
    assert variant.stock == 1  # the unit is back

    with django_capture_on_commit_callbacks(execute=True):  # the notices are created after commit
        assert unpaid_wins_settle() == 1
        assert unpaid_wins_settle() == 0  # run twice: still one violation, one offer

    violation = PaymentViolation.objects.get()
    assert (violation.buyer, violation.auction_id, violation.order) == (winner, auction.pk, order)
    offer = SecondChanceOffer.objects.get()
    assert offer.bidder == runner_up and offer.status == OFFER.OPEN
    assert offer.reason == SecondChanceOffer.Reason.UNPAID
    assert offer.amount == ProxyBid.objects.get(auction=auction, bidder=runner_up).max_amount == D("300")
    assert offer.expires_at > timezone.now() + timedelta(hours=23)
    auction.refresh_from_db()
    assert auction.winner is None and auction.order is None and auction.final_price is None
    assert Notification.objects.filter(user=winner, text__startswith="You did not pay").count() == 1
    assert Notification.objects.filter(user=runner_up, text__startswith="Second chance").count() == 1
    assert not Notification.objects.filter(user=third, text__startswith="Second chance").exists()


def test_the_runner_up_accepts_and_gets_an_order_at_that_amount():
    winner, runner_up = UserFactory(), UserFactory()
    auction = won(winner, (runner_up, "300"))
    let_the_deadline_pass(auction)
    unpaid_wins_settle()
    offer = SecondChanceOffer.objects.get()

    answered = offer_answer(offer_id=offer.pk, user=runner_up, accept=True)

    assert answered.status == OFFER.ACCEPTED
    auction.refresh_from_db()
    assert auction.winner == runner_up and auction.final_price == D("300") and auction.outcome == Auction.Outcome.SOLD
    order = Order.objects.get(buyer=runner_up)
    assert auction.order == order and order.items_total == D("300")
    assert order.items.get().unit_price == D("300")
    assert order.status == OrderStatus.PENDING and order.checkout.payment_status == PaymentStatus.AWAITING
    assert order.checkout.payment_due_by > timezone.now() + timedelta(hours=47)
    assert auction.product.variants.get().stock == 0
    # Two orders in all: the winner's cancelled one and this one.
    assert list(Order.objects.order_by("id").values_list("buyer", "status")) == [
        (winner.pk, OrderStatus.CANCELLED),
        (runner_up.pk, OrderStatus.PENDING),
    ]
    # Answered: it cannot be answered again, nor by someone else.
    with pytest.raises(AuctionError) as again:
        offer_answer(offer_id=offer.pk, user=runner_up, accept=True)
    assert again.value.code == "closed"
    with pytest.raises(AuctionError) as other:
        offer_answer(offer_id=offer.pk, user=winner, accept=True)
    assert other.value.code == "missing"
    assert Order.objects.count() == 2


def test_a_declined_or_expired_offer_moves_on_to_the_next_bidder():
    winner, second, third, fourth = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    auction = won(winner, (fourth, "200"), (third, "250"), (second, "300"))
    let_the_deadline_pass(auction)
    unpaid_wins_settle()

    first_offer = SecondChanceOffer.objects.get(status=OFFER.OPEN)
    assert first_offer.bidder == second
    offer_answer(offer_id=first_offer.pk, user=second, accept=False)
    next_offer = SecondChanceOffer.objects.get(status=OFFER.OPEN)
    assert (next_offer.bidder, next_offer.amount) == (third, D("250"))

    assert offers_expire(now=next_offer.expires_at - timedelta(seconds=1)) == 0
    assert offers_expire(now=next_offer.expires_at) == 1
    last_offer = SecondChanceOffer.objects.get(status=OFFER.OPEN)
    assert (last_offer.bidder, last_offer.amount) == (fourth, D("200"))
    assert offers_expire(now=next_offer.expires_at) == 0
    assert not Order.objects.filter(status=OrderStatus.PENDING).exists()


def test_no_second_chance_below_the_reserve(django_capture_on_commit_callbacks):
    winner, runner_up = UserFactory(), UserFactory()
    auction = live_auction(start_price="100", reserve_price="300")
    bid(auction, runner_up, "250")
    bid(auction, winner, "500")
    auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()
    assert (auction.winner, auction.final_price) == (winner, D("300"))
    let_the_deadline_pass(auction)
    with django_capture_on_commit_callbacks(execute=True):
        assert unpaid_wins_settle() == 1
    assert not SecondChanceOffer.objects.exists()
    owner = auction.store.memberships.get().user
    assert Notification.objects.filter(user=owner, text__startswith="No one is left to offer").count() == 1


def test_a_second_chance_buyer_who_does_not_pay_is_recorded_too_and_the_offer_moves_on():
    winner, second, third = UserFactory(), UserFactory(), UserFactory()
    auction = won(winner, (third, "250"), (second, "300"))
    let_the_deadline_pass(auction)
    unpaid_wins_settle()
    offer_answer(offer_id=SecondChanceOffer.objects.get().pk, user=second, accept=True)
    auction.refresh_from_db()

    let_the_deadline_pass(auction)
    assert unpaid_wins_settle() == 1

    assert sorted(PaymentViolation.objects.values_list("buyer", flat=True)) == sorted([winner.pk, second.pk])
    offer = SecondChanceOffer.objects.get(status=OFFER.OPEN)
    assert (offer.bidder, offer.amount) == (third, D("250"))


# --- Three unpaid wins: blocked --------------------------------------------------------


def unpaid_win(buyer) -> Auction:
    auction = won(buyer, (UserFactory(), "300"))
    let_the_deadline_pass(auction)
    unpaid_wins_settle()
    return auction


def test_the_third_unpaid_win_blocks_bidding_until_staff_lift_it():
    buyer, staff = UserFactory(), UserFactory(is_staff=True, totp=False)
    unpaid_win(buyer)
    unpaid_win(buyer)
    assert not BiddingBlock.objects.exists()
    assert bid(live_auction(), buyer, "150").leading  # two: may still bid

    unpaid_win(buyer)
    assert unpaid_wins_settle() == 0
    assert PaymentViolation.objects.filter(buyer=buyer).count() == 3
    block = BiddingBlock.objects.get(user=buyer, lifted_at__isnull=True)

    auction = live_auction()
    with pytest.raises(AuctionError) as refused:
        bid(auction, buyer, "150")
    assert refused.value.code == "blocked"
    assert not ProxyBid.objects.filter(auction=auction).exists()

    assert bidding_block_lift(block=block, actor=staff) is True
    assert bidding_block_lift(block=block, actor=staff) is False
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by == staff
    assert bid(auction, buyer, "150").leading

    # After a lift the count starts again: one more unpaid win does not block at once.
    unpaid_win(buyer)
    assert not BiddingBlock.objects.filter(user=buyer, lifted_at__isnull=True).exists()


def test_a_blocked_bidder_is_skipped_for_a_second_chance():
    winner, blocked, next_one = UserFactory(), UserFactory(), UserFactory()
    auction = won(winner, (next_one, "250"), (blocked, "300"))
    BiddingBlock.objects.create(user=blocked, reason="3 won auctions not paid.")
    let_the_deadline_pass(auction)
    unpaid_wins_settle()
    offer = SecondChanceOffer.objects.get()
    assert (offer.bidder, offer.amount) == (next_one, D("250"))


# --- Only a missed deadline is a violation -----------------------------------------------


@pytest.mark.parametrize("who", ["buyer", "seller"])
def test_a_win_cancelled_within_its_payment_window_is_no_violation(who):
    """The order of a win is cancelled by a person before its deadline (the buyer backs out,
    the store cannot deliver): its checkout, with nothing left to pay, is cancelled and
    never expires, and nothing counts toward a bidding block, because no payment deadline
    was missed."""
    from shop.orders.selectors.transitions import Role
    from shop.orders.services.orders import order_transition

    winner = UserFactory()
    auction = won(winner, (UserFactory(), "300"))
    order = auction.order
    actor = winner if who == "buyer" else auction.store.members.first()
    order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, role=getattr(Role, who.upper()), note="Out of stock.")
    checkouts_expire(now=order.checkout.payment_due_by + timedelta(seconds=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.checkout.payment_status == PaymentStatus.CANCELLED

    assert unpaid_wins_settle() == 0
    assert not PaymentViolation.objects.exists() and not BiddingBlock.objects.exists()


def test_an_awaiting_win_never_counts_toward_the_block(settings):
    """Wins awaiting payment, however many, block nothing: the buyer may still bid."""
    settings.SOKO_AUCTION_VIOLATIONS_TO_BLOCK = 1
    buyer = UserFactory()
    for _ in range(2):
        won(buyer, (UserFactory(), "300"))
    assert unpaid_wins_settle() == 0
    assert not PaymentViolation.objects.exists()
    assert bid(live_auction(), buyer, "150").leading
