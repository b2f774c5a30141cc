"""Closing auctions: sold with one order and one notification each, whatever the number of
runs or a run that died half-way; unsold outcomes; only ended auctions; and the watchers'
one "ending soon"."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.auctions import services
from shop.auctions.models import Auction, Watch
from shop.auctions.services import auction_close, auctions_close_due, auctions_ending_soon_notify, bid_place, watch_set
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction

pytestmark = pytest.mark.django_db

O = Auction.Outcome  # noqa: E741


def D(value) -> Decimal:
    return Decimal(str(value))


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, bidder=user, amount=D(amount))


def won_notes(user):
    return Notification.objects.filter(user=user, kind="auction", text__startswith="You won")


def store_notes(auction, start):
    return Notification.objects.filter(user=auction.store.memberships.get().user, text__startswith=start)


def sold_auction_ready_to_close(**terms):
    """An ended auction Amina leads at 205 (her maximum 300, Baraka's 200)."""
    auction = live_auction(start_price="100", **terms)
    amina, baraka = UserFactory(), UserFactory()
    bid(auction, amina, "300")
    bid(auction, baraka, "200")
    return ended(auction), amina, baraka


def assert_sold_once(auction, winner, price):
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.outcome == O.SOLD
    assert auction.winner == winner and auction.final_price == D(price)
    order = Order.objects.get()  # exactly one order, anyone's
    assert order.buyer == winner and auction.order == order
    assert order.items_total == D(price) and order.items.get().listing_type == "auction"
    assert order.status == OrderStatus.PENDING and order.checkout.payment_status == PaymentStatus.AWAITING
    assert won_notes(winner).count() == 1
    assert store_notes(auction, "Auction sold").count() == 1
    return order


# --- Sold, once ------------------------------------------------------------------------


def test_closing_sells_to_the_leader_at_the_price_with_one_order_and_one_notification(django_capture_on_commit_callbacks):
    auction, amina, baraka = sold_auction_ready_to_close()

    with django_capture_on_commit_callbacks(execute=True):  # the notices are created after commit
        assert auction_close(auction_id=auction.pk) is True

    order = assert_sold_once(auction, amina, "205")
    assert auction.closed_at is not None and auction.closed_at <= timezone.now()
    assert won_notes(amina).get().url == reverse("payments:status", args=[order.checkout.idempotency_key])
    assert not won_notes(baraka).exists()


def test_closing_twice_makes_one_order_and_one_notification(django_capture_on_commit_callbacks):
    auction, amina, _baraka = sold_auction_ready_to_close()
    with django_capture_on_commit_callbacks(execute=True):
        assert auction_close(auction_id=auction.pk) is True
    seq = Auction.objects.get(pk=auction.pk).seq

    assert auction_close(auction_id=auction.pk) is False
    assert auctions_close_due() == 0

    assert_sold_once(auction, amina, "205")
    assert auction.seq == seq


def test_the_periodic_job_run_twice_closes_each_ended_auction_once(django_capture_on_commit_callbacks):
    first, amina, _ = sold_auction_ready_to_close()
    unsold = ended(live_auction())

    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_close_due() == 2
    assert auctions_close_due() == 0

    assert_sold_once(first, amina, "205")
    unsold.refresh_from_db()
    assert unsold.outcome == O.NO_BIDS


@pytest.mark.parametrize("dies_in", ["_tell", "won_order_create"])
def test_a_closing_run_that_dies_half_way_leaves_nothing_and_the_next_run_sells_once(dies_in, django_capture_on_commit_callbacks):
    auction, amina, _baraka = sold_auction_ready_to_close()
    real = getattr(services, dies_in)
    calls = []

    def dies_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("worker killed")
        return real(*args, **kwargs)

    with mock.patch.object(services, dies_in, side_effect=dies_once):
        assert auctions_close_due() == 0  # logged, not raised: the job goes on with the others
        auction.refresh_from_db()
        # Rolled back whole: still open, no order, no notification, the unit still on sale.
        assert auction.status in Auction.OPEN and auction.outcome == O.NONE and auction.closed_at is None
        assert auction.winner is None and auction.order is None
        assert not Order.objects.exists() and not won_notes(amina).exists()
        assert auction.product.variants.get().stock == 1

        with django_capture_on_commit_callbacks(execute=True):
            assert auctions_close_due() == 1
        assert auctions_close_due() == 0

    assert_sold_once(auction, amina, "205")
    assert auction.product.variants.get().stock == 0


def test_a_crash_in_one_auction_does_not_hold_up_the_others():
    broken, _amina, _ = sold_auction_ready_to_close()
    fine = ended(live_auction())
    real = services.won_order_create

    def fails_for_broken(*, buyer, variant, **kwargs):
        if variant.product_id == broken.product_id:
            raise RuntimeError("no such variant")
        return real(buyer=buyer, variant=variant, **kwargs)

    with mock.patch.object(services, "won_order_create", side_effect=fails_for_broken):
        assert auctions_close_due() == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.status == Auction.Status.ENDED and broken.status in Auction.OPEN
    assert auctions_close_due() == 1  # the next run closes it
    broken.refresh_from_db()
    assert broken.outcome == O.SOLD


def test_closing_a_direct_call_that_dies_raises_and_leaves_it_open(django_capture_on_commit_callbacks):
    auction, amina, _baraka = sold_auction_ready_to_close()
    with (
        mock.patch.object(services, "_tell", side_effect=RuntimeError("worker killed")),
        pytest.raises(RuntimeError),
    ):
        auction_close(auction_id=auction.pk)
    auction.refresh_from_db()
    assert auction.status in Auction.OPEN and not Order.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert auction_close(auction_id=auction.pk) is True
    assert_sold_once(auction, amina, "205")


# --- Only what has ended ---------------------------------------------------------------


def test_the_periodic_job_closes_only_auctions_whose_end_has_passed():
    due = ended(live_auction())
    running = live_auction(minutes_left=60)
    soon = live_auction(minutes_left=0.5)

    assert auctions_close_due() == 1

    due.refresh_from_db()
    running.refresh_from_db()
    soon.refresh_from_db()
    assert due.status == Auction.Status.ENDED and due.closed_at is not None
    assert running.status == soon.status == Auction.Status.LIVE
    assert running.closed_at is None and soon.closed_at is None
    assert auction_close(auction_id=running.pk) is False
    running.refresh_from_db()
    assert running.status == Auction.Status.LIVE and running.outcome == O.NONE


def test_a_job_told_a_later_time_still_does_not_close_an_auction_before_its_end():
    running = live_auction(minutes_left=60)
    assert auctions_close_due(now=timezone.now() + timedelta(hours=2)) == 0
    running.refresh_from_db()
    assert running.status == Auction.Status.LIVE


def test_cancelled_and_ended_auctions_are_left_alone():
    cancelled = ended(live_auction())
    Auction.objects.filter(pk=cancelled.pk).update(status=Auction.Status.CANCELLED)
    assert auctions_close_due() == 0
    assert auction_close(auction_id=cancelled.pk) is False
    cancelled.refresh_from_db()
    assert cancelled.status == Auction.Status.CANCELLED and cancelled.outcome == O.NONE


# --- Unsold ----------------------------------------------------------------------------


def test_reserve_not_met_ends_unsold_without_an_order_and_tells_the_store(django_capture_on_commit_callbacks):
    auction = live_auction(start_price="100", reserve_price="500")
    amina, baraka = UserFactory(), UserFactory()
    bid(auction, amina, "300")
    bid(auction, baraka, "200")
    auction = ended(auction)

    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_close_due() == 1

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.outcome == O.RESERVE_NOT_MET
    assert auction.winner is None and auction.order is None and auction.final_price is None
    assert auction.leader == amina and auction.current_price == D("205") and not auction.reserve_met
    assert not Order.objects.exists()
    assert not won_notes(amina).exists()
    assert store_notes(auction, "Auction ended below your reserve").count() == 1
    assert auction_close(auction_id=auction.pk) is False
    assert store_notes(auction, "Auction ended below your reserve").count() == 1


def test_no_bids_ends_unsold_and_tells_the_store(django_capture_on_commit_callbacks):
    auction = ended(live_auction(reserve_price="500"))

    with django_capture_on_commit_callbacks(execute=True):
        assert auction_close(auction_id=auction.pk) is True

    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.outcome == O.NO_BIDS
    assert auction.winner is None and auction.order is None
    assert not Order.objects.exists()
    assert store_notes(auction, "Auction ended with no bids").count() == 1


def test_a_reserve_met_exactly_sells_at_the_reserve(django_capture_on_commit_callbacks):
    auction = live_auction(start_price="100", reserve_price="300")
    amina = UserFactory()
    bid(auction, amina, "300")
    with django_capture_on_commit_callbacks(execute=True):
        auction_close(auction_id=ended(auction).pk)
    assert_sold_once(auction, amina, "300")


# --- Ending soon -----------------------------------------------------------------------


def test_watchers_hear_once_that_an_auction_ends_soon(django_capture_on_commit_callbacks):
    soon = live_auction(minutes_left=10)
    later = live_auction(minutes_left=60)
    amina, baraka, chausiku = UserFactory(), UserFactory(), UserFactory()
    watch_set(auction=soon, user=amina, on=True)
    watch_set(auction=soon, user=baraka, on=True)
    watch_set(auction=later, user=chausiku, on=True)
    watch_set(auction=soon, user=chausiku, on=True)
    watch_set(auction=soon, user=chausiku, on=False)  # stopped watching: not told

    def ending_soon(user):
        return Notification.objects.filter(user=user, text=f"Ending soon: {soon.product.title}.")

    with django_capture_on_commit_callbacks(execute=True):  # the notices are created after commit
        assert auctions_ending_soon_notify() == 1
        assert auctions_ending_soon_notify() == 0
    assert ending_soon(amina).count() == ending_soon(baraka).count() == 1
    assert not Notification.objects.filter(user=chausiku, text__startswith="Ending soon").exists()
    soon.refresh_from_db()
    assert soon.ending_soon_sent_at is not None

    # Later, the other one's turn: its watcher is told, the first one's are not told again.
    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_ending_soon_notify(now=timezone.now() + timedelta(minutes=50)) == 1
    assert Notification.objects.filter(user=chausiku, text=f"Ending soon: {later.product.title}.").count() == 1
    assert ending_soon(amina).count() == ending_soon(baraka).count() == 1
    assert Watch.objects.filter(auction=soon).count() == 2
