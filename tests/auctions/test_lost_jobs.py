"""An auction whose exact-time close job was lost (a queue that restarted empty, a worker
killed while it held the job) is closed by the minute's tick: sold to its leader, once."""

import pytest
from django.utils import timezone

from shop.auctions.models import Auction
from shop.auctions.services import auctions_close_due
from shop.orders.models import Order
from tests.auctions.test_closing import assert_sold_once, sold_auction_ready_to_close

pytestmark = pytest.mark.django_db


def test_an_auction_whose_close_job_was_lost_is_closed_by_the_tick(jobs_lost, django_capture_on_commit_callbacks):
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        auction, amina, _baraka = sold_auction_ready_to_close()

    assert "auctions.close" in lost
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE and auction.ends_at < timezone.now()
    assert auction.winner is None and not Order.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert auctions_close_due() == 1
    assert auctions_close_due() == 0

    assert_sold_once(auction, amina, "205")
