from decimal import Decimal

import pytest

from shop.auctions.models import Auction, Bid
from shop.auctions.services import auction_close, bid_place
from shop.orders.models import Order
from shop.payments.models import PaymentStatus
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction

pytestmark = pytest.mark.django_db


def test_two_bidders_then_close_sells_to_the_leader_with_an_order_awaiting_payment():
    auction = live_auction(start_price="100")
    alice, bob = UserFactory(), UserFactory()
    bid_place(auction_id=auction.pk, bidder=alice, amount=Decimal("150"))
    outcome = bid_place(auction_id=auction.pk, bidder=bob, amount=Decimal("120"))
    assert not outcome.leading
    auction.refresh_from_db()
    assert auction.leader == alice and auction.current_price == Decimal("125")
    assert list(Bid.objects.filter(auction=auction).order_by("amount").values_list("amount", flat=True)) == [
        Decimal("100"), Decimal("120"), Decimal("125")
    ]
    assert auction_close(auction_id=ended(auction).pk)
    assert not auction_close(auction_id=auction.pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.SOLD and auction.winner == alice
    order = Order.objects.get(buyer=alice)
    assert order.total >= Decimal("125") and order.items.get().listing_type == "auction"
    assert order.checkout.payment_status == PaymentStatus.AWAITING
