"""Staff look after auctions in the admin: every list opens at a fixed cost, an auction is
cancelled only with a reason, and a bidding block is lifted through the service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shop.auctions.models import Auction, BiddingBlock, PaymentViolation, SecondChanceOffer
from shop.auctions.selectors.auctions import user_is_blocked_from_bidding
from shop.auctions.services import auction_close, bid_place, watch_set
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction
from tests.html import dom

pytestmark = pytest.mark.django_db

CHANGELISTS = ["auction", "proxybid", "watch", "secondchanceoffer", "paymentviolation", "biddingblock"]
AUCTIONS = "/admin/auctions/auction/"


def bids(auction, *amounts):
    """Each amount from a bidder of its own; returns the bidders."""
    bidders = [UserFactory() for _ in amounts]
    for bidder, amount in zip(bidders, amounts, strict=True):
        bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal(amount))
    return bidders


def a_bit_of_everything():
    """A live auction with bids and a watcher; a sold one whose winner did not pay (a
    violation, a block, a second chance for the runner-up)."""
    live = live_auction(title="Carved stool")
    first, _second = bids(live, "150", "200")
    watch_set(auction=live, user=first, on=True)
    sold = live_auction(title="Beaded collar")
    winner, runner_up = bids(sold, "300", "250")
    auction_close(auction_id=ended(sold).pk)
    sold.refresh_from_db()
    PaymentViolation.objects.create(buyer=winner, auction=sold, order=sold.order)
    BiddingBlock.objects.create(user=winner, reason="3 won auctions not paid.")
    SecondChanceOffer.objects.create(
        auction=sold,
        bidder=runner_up,
        amount=Decimal("250"),
        reason=SecondChanceOffer.Reason.UNPAID,
        expires_at=timezone.now() + timedelta(days=1),
    )
    return live, sold


def test_every_auction_page_opens_for_staff(admin_client):
    live, sold = a_bit_of_everything()

    for model in CHANGELISTS:
        response = admin_client.get(f"/admin/auctions/{model}/")
        assert response.status_code == 200, model

    page = admin_client.get(reverse("admin:auctions_auction_change", args=[live.pk])).content.decode()
    # The bid history inline, read-only, and the button that cancels.
    assert "200" in page and "Cancel this auction…" in page
    assert 'name="start_price"' not in page and 'name="_save"' not in page
    sold_page = admin_client.get(reverse("admin:auctions_auction_change", args=[sold.pk])).content.decode()
    assert "Cancel this auction…" not in sold_page
    found = admin_client.get(AUCTIONS, {"q": "Carved"}).content.decode()
    assert "Carved stool" in found and "Beaded collar" not in found
    assert admin_client.get(AUCTIONS, {"status": "ended"}).status_code == 200
    assert admin_client.get("/admin/auctions/biddingblock/", {"state": "active"}).status_code == 200
    assert admin_client.get("/admin/auctions/biddingblock/add/").status_code == 200
    block = BiddingBlock.objects.get()
    assert admin_client.get(reverse("admin:auctions_biddingblock_change", args=[block.pk])).status_code == 200


@pytest.mark.parametrize("model", CHANGELISTS)
def test_each_list_costs_the_same_queries_for_one_row_or_many(admin_client, model):
    a_bit_of_everything()
    admin_client.get(f"/admin/auctions/{model}/")  # the session and the site's caches, warmed
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(f"/admin/auctions/{model}/").status_code == 200
    for _ in range(3):
        a_bit_of_everything()
    with CaptureQueriesContext(connection) as four:
        assert admin_client.get(f"/admin/auctions/{model}/").status_code == 200

    assert len(four) == len(one)


def cancel(admin_client, auction, **extra):
    return admin_client.post(AUCTIONS, {"action": "cancel_auctions", "_selected_action": [auction.pk], **extra})


def test_cancel_asks_for_a_reason_first(admin_client):
    auction = live_auction(title="Carved stool")

    response = cancel(admin_client, auction)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Carved stool" in page and 'name="reason"' in page
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE


def test_cancel_without_a_reason_is_refused(admin_client):
    auction = live_auction()

    response = cancel(admin_client, auction, reason="   ", apply="Cancel")

    assert response.status_code == 422
    assert "Say why the auction is cancelled." in response.content.decode()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE and auction.cancel_reason == ""


def test_cancel_with_a_reason_stops_the_auction_and_keeps_its_bids(admin_client):
    auction = live_auction()
    bids(auction, "150")

    response = cancel(admin_client, auction, reason="Counterfeit reported by two buyers.", apply="Cancel")

    assert response.status_code == 302
    auction.refresh_from_db()
    assert auction.status == Auction.Status.CANCELLED
    assert auction.cancel_reason == "Counterfeit reported by two buyers."
    assert auction.closed_at is not None and auction.bids.count() == 1
    with pytest.raises(Exception, match="not taking bids"):
        bids(auction, "300")


def test_cancelling_an_ended_auction_says_so_keeps_the_reason_and_changes_nothing(admin_client):
    auction = live_auction()
    auction_close(auction_id=ended(auction).pk)

    response = cancel(admin_client, auction, reason="Too late.", apply="Cancel")

    assert response.status_code == 422
    page = dom(response)
    assert "This auction has already ended." in page.one(".errorlist.nonfield").text
    assert page.one("textarea[name=reason]").text == "Too late."
    auction.refresh_from_db()
    assert auction.status == Auction.Status.ENDED and auction.cancel_reason == ""


def test_cancelling_some_auctions_cancels_those_it_may_and_says_why_not_the_others(admin_client):
    live, done = live_auction(), live_auction()
    auction_close(auction_id=ended(done).pk)

    response = admin_client.post(
        AUCTIONS,
        {"action": "cancel_auctions", "_selected_action": [live.pk, done.pk], "reason": "Fraud ring.", "apply": "Cancel"},
        follow=True,
    )

    said = [str(message) for message in response.context["messages"]]
    assert any("This auction has already ended." in message for message in said)
    assert "1 auction cancelled." in said
    live.refresh_from_db(), done.refresh_from_db()
    assert (live.status, done.status) == (Auction.Status.CANCELLED, Auction.Status.ENDED)


def test_the_change_page_button_cancels_one_auction_with_a_reason(admin_client):
    auction = live_auction(title="Carved stool")
    url = reverse("admin:auctions_auction_cancel", args=[auction.pk])

    page = admin_client.get(url).content.decode()
    assert "Carved stool" in page and 'name="reason"' in page
    refused = admin_client.post(url, {"reason": "", "apply": "Cancel"})
    assert refused.status_code == 422 and "Say why the auction is cancelled." in refused.content.decode()
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE

    response = admin_client.post(url, {"reason": "The store asked us to.", "apply": "Cancel"})

    assert response.status_code == 302
    assert response.url == reverse("admin:auctions_auction_change", args=[auction.pk])
    auction.refresh_from_db()
    assert (auction.status, auction.cancel_reason) == (Auction.Status.CANCELLED, "The store asked us to.")


def test_lifting_a_block_lets_the_buyer_bid_again(admin_client, admin_user):
    buyer = UserFactory(display_name="Barasa Bidder")
    block = BiddingBlock.objects.create(user=buyer, reason="3 won auctions not paid.")
    assert user_is_blocked_from_bidding(user=buyer)

    response = admin_client.post(
        "/admin/auctions/biddingblock/", {"action": "lift_blocks", "_selected_action": [block.pk]}
    )

    assert response.status_code == 302
    assert not user_is_blocked_from_bidding(user=buyer)
    block.refresh_from_db()
    assert block.lifted_at is not None and block.lifted_by == admin_user
    # Kept as history, and lifted once.
    lifted_at = block.lifted_at
    admin_client.post("/admin/auctions/biddingblock/", {"action": "lift_blocks", "_selected_action": [block.pk]})
    block.refresh_from_db()
    assert block.lifted_at == lifted_at
    assert "Barasa Bidder" in admin_client.get("/admin/auctions/biddingblock/", {"state": "lifted"}).content.decode()
    assert "Barasa Bidder" not in admin_client.get("/admin/auctions/biddingblock/", {"state": "active"}).content.decode()


def test_staff_block_a_buyer_by_hand_once_and_cannot_edit_when_it_was_lifted(admin_client):
    buyer = UserFactory()
    add = "/admin/auctions/biddingblock/add/"

    response = admin_client.post(add, {"user": buyer.pk, "reason": "Bids and never pays."})

    assert response.status_code == 302
    assert user_is_blocked_from_bidding(user=buyer)
    again = admin_client.post(add, {"user": buyer.pk, "reason": "Again."})
    assert again.status_code == 200 and "already blocked from bidding" in again.content.decode()
    assert BiddingBlock.objects.count() == 1

    block = BiddingBlock.objects.get()
    change = reverse("admin:auctions_biddingblock_change", args=[block.pk])
    assert 'name="lifted_at' not in admin_client.get(change).content.decode()
    admin_client.post(change, {"reason": "Edited.", "lifted_at_0": "2026-01-01", "lifted_at_1": "10:00:00"})
    block.refresh_from_db()
    assert block.reason == "Edited." and block.lifted_at is None
    assert user_is_blocked_from_bidding(user=buyer)


def test_auctions_are_not_added_or_deleted_in_the_admin(admin_client):
    auction = live_auction()

    assert admin_client.get("/admin/auctions/auction/add/").status_code == 403
    assert admin_client.get(reverse("admin:auctions_auction_delete", args=[auction.pk])).status_code == 403
