"""Money is committed on the auction pages only after the person saw and confirmed the
amount: buy it now, a bid far above the next one, accepting a second-chance offer. The GET
(or an unconfirmed POST) shows the amount and writes nothing; the confirmed POST sends the
amount shown, and any other amount is refused."""

from decimal import Decimal

import pytest
from django.urls import URLPattern, reverse

from sellers.models import Store
from shop.auctions import urls as auction_urls
from shop.auctions.models import Auction, ProxyBid, SecondChanceOffer
from shop.auctions.services import AuctionError, buy_now
from shop.core.selectors.money import money_format
from shop.orders.models import Order
from shop.orders.selectors.checkout import won_delivery
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import live_auction

pytestmark = pytest.mark.django_db

# Every auction page that takes a POST, and what it commits. A new one must say here whether
# it commits money, and if it does, confirm it like these.
COMMITS_MONEY = {"bid": True, "buy_now": True, "offer": True, "watch": False}


def test_no_auction_page_commits_money_on_a_bare_post(client):
    """Walk every auction address: a POST with no fields (one click, nothing confirmed)
    either is not taken, or writes no bid, order nor accepted offer (a bare answer to an offer
    declines it, which commits no money). The pages that take a
    POST are the ones named above."""
    auction = live_auction(start_price="100", buy_now_price="15000")
    person = UserFactory()
    offer = SecondChanceOffer.objects.create(
        auction=auction, bidder=person, amount=Decimal("900"), reason=SecondChanceOffer.Reason.RESERVE,
        expires_at=auction.ends_at,
    )
    client.force_login(person)
    taking_posts = set()
    for pattern in auction_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        kwargs = {"auction_id": auction.pk, "offer_id": offer.pk}
        url = reverse(f"auctions:{pattern.name}", kwargs={k: kwargs[k] for k in pattern.pattern.converters})
        if client.post(url).status_code != 405:
            taking_posts.add(pattern.name)
        assert not ProxyBid.objects.exists() and not Order.objects.exists()
        offer.refresh_from_db()
        assert offer.status != SecondChanceOffer.Status.ACCEPTED  # declining commits nothing
    assert taking_posts == set(COMMITS_MONEY)


def said(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def delivered_buyer(auction):
    """A buyer whose default address the auction's store delivers to (in Westlands, where
    the store is), and what that delivery costs."""
    buyer = UserFactory()
    address = AddressFactory(user=buyer)
    Store.objects.filter(pk=auction.store_id).update(area=address.area, delivers_local=True)
    auction.store.refresh_from_db()
    delivery = won_delivery(buyer=buyer, store=auction.store)
    assert delivery.mode == Order.DeliveryMode.DELIVERY and delivery.address == address and delivery.fee > 0
    return buyer, delivery.fee


def test_buy_it_now_shows_the_amount_with_its_delivery_and_writes_nothing_until_confirmed(client):
    auction = live_auction(buy_now_price="15000")
    buyer, fee = delivered_buyer(auction)
    total = Decimal("15000") + fee
    client.force_login(buyer)

    page = client.get(f"/auctions/{auction.pk}/buy-now/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="confirm-question"' in html and "KES 15,000" in html
    # What a win adds (the order's delivery) is named before the buyer commits, and the total.
    assert f"Delivery to Westlands adds {money_format(fee, 'KES')}: you pay {money_format(total, 'KES')}." in html
    assert f"Buy now for {money_format(total, 'KES')}" in html
    assert 'name="amount" value="15000.00"' in html and f'name="total" value="{total:.2f}"' in html
    # A POST without the amounts (the old one-click form), or without the total, only asks again.
    assert client.post(f"/auctions/{auction.pk}/buy-now/").status_code == 200
    assert client.post(f"/auctions/{auction.pk}/buy-now/", {"amount": "15000.00"}).status_code == 200
    assert not Order.objects.filter(buyer=buyer).exists()

    response = client.post(f"/auctions/{auction.pk}/buy-now/", {"amount": "15000.00", "total": str(total)})
    order = Order.objects.get(buyer=buyer)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:status", args=[order.checkout.idempotency_key])
    assert said(response) == ["It is yours. Pay for it to complete the purchase."]
    assert order.items_total == Decimal("15000") and order.delivery_fee == fee
    assert order.checkout.total == order.total == total  # charged: the amount confirmed


def test_buy_it_now_refuses_a_total_other_than_the_one_shown(client):
    """The buyer's address changed between the confirmation and the click (or the form was
    forged): the order would come to another total, so nothing is sold."""
    auction = live_auction(buy_now_price="15000")
    buyer, fee = delivered_buyer(auction)
    client.force_login(buyer)
    response = client.post(f"/auctions/{auction.pk}/buy-now/", {"amount": "15000.00", "total": "15000.00"})
    assert response.status_code == 302 and response["Location"] == f"/auctions/{auction.pk}/"
    assert said(response) == [
        f"With its delivery it now comes to {money_format(Decimal('15000') + fee, 'KES')}, not KES 15,000: check the "
        "new amount and confirm again."
    ]
    auction.refresh_from_db()
    assert not Order.objects.exists() and auction.status == Auction.Status.LIVE and auction.winner_id is None
    with pytest.raises(AuctionError) as refused:
        buy_now(auction_id=auction.pk, buyer=buyer, price=Decimal("15000"), total=Decimal("15000") + fee + 1)
    assert refused.value.code == "price_changed" and not Order.objects.exists()


def test_buy_it_now_without_an_address_says_it_is_collected(client):
    auction = live_auction(buy_now_price="15000")
    buyer = UserFactory()
    client.force_login(buyer)
    html = client.get(f"/auctions/{auction.pk}/buy-now/").content.decode()
    assert f"You have no saved address: you collect it at {auction.store.name}." in html
    assert 'name="total" value="15000.00"' in html and "Buy now for KES 15,000" in html
    client.post(f"/auctions/{auction.pk}/buy-now/", {"amount": "15000.00", "total": "15000.00"})
    order = Order.objects.get(buyer=buyer)
    assert order.delivery_mode == Order.DeliveryMode.PICKUP and order.total == Decimal("15000")


def test_the_bid_box_says_what_a_win_adds_for_its_delivery(client):
    auction = live_auction(buy_now_price="15000")
    buyer, fee = delivered_buyer(auction)
    assert 'data-testid="win-delivery"' not in client.get(f"/auctions/{auction.pk}/").content.decode()  # a visitor
    client.force_login(buyer)
    html = client.get(f"/auctions/{auction.pk}/").content.decode()
    assert f"Delivery to Westlands adds {money_format(fee, 'KES')} to the price you pay." in html


def test_buy_it_now_with_htmx_swaps_the_confirm_step_into_the_page(client):
    auction = live_auction(buy_now_price="15000")
    client.force_login(UserFactory())
    response = client.get(f"/auctions/{auction.pk}/buy-now/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="auction-{auction.pk}-bidding" hx-swap-oob="true"' in html
    assert "KES 15,000" in html


def test_buy_it_now_refuses_an_amount_other_than_the_one_shown(client):
    auction = live_auction(buy_now_price="15000")
    buyer = UserFactory()
    client.force_login(buyer)
    response = client.post(f"/auctions/{auction.pk}/buy-now/", {"amount": "1500", "total": "1500"})
    assert response.status_code == 302 and response["Location"] == f"/auctions/{auction.pk}/"
    assert said(response) == ["The price is no longer KES 1,500: check the new one and confirm again."]
    assert not Order.objects.filter(buyer=buyer).exists()
    with pytest.raises(AuctionError) as refused:
        buy_now(auction_id=auction.pk, buyer=buyer, price=Decimal("14999"))
    assert refused.value.code == "price_changed"


def test_a_bid_far_above_the_next_is_confirmed_first(client, settings):
    settings.SOKO_AUCTION_BID_CONFIRM_RATIO = Decimal("3")
    auction = live_auction(start_price="100")
    bidder = UserFactory()
    client.force_login(bidder)

    asked = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "15000"}, headers={"HX-Request": "true"})
    html = asked.content.decode()
    assert asked.status_code == 200 and f'id="auction-{auction.pk}-bidding" hx-swap-oob="true"' in html
    assert "Bid up to KES 15,000?" in html and 'name="confirmed" value="15000"' in html
    assert not ProxyBid.objects.filter(auction=auction).exists()

    # A confirmation of another amount is no confirmation of this one.
    client.post(f"/auctions/{auction.pk}/bid/", {"amount": "15000", "confirmed": "1500"})
    assert not ProxyBid.objects.filter(auction=auction).exists()

    client.post(f"/auctions/{auction.pk}/bid/", {"amount": "15000", "confirmed": "15000"})
    assert ProxyBid.objects.get(auction=auction, bidder=bidder).max_amount == Decimal("15000")


def test_an_ordinary_bid_needs_no_confirmation(client):
    auction = live_auction(start_price="100")
    client.force_login(UserFactory())
    response = client.post(f"/auctions/{auction.pk}/bid/", {"amount": "250"})
    assert response.status_code == 302
    assert ProxyBid.objects.filter(auction=auction).count() == 1


def test_a_second_chance_offer_is_accepted_at_the_amount_confirmed(client):
    auction = live_auction(start_price="100")
    runner_up, fee = delivered_buyer(auction)
    total = Decimal("900") + fee
    Auction.objects.filter(pk=auction.pk).update(status=Auction.Status.ENDED, outcome=Auction.Outcome.NO_BIDS)
    offer = SecondChanceOffer.objects.create(
        auction=auction,
        bidder=runner_up,
        amount=Decimal("900"),
        reason=SecondChanceOffer.Reason.UNPAID,
        expires_at=auction.ends_at + (auction.ends_at - auction.starts_at),
    )
    client.force_login(runner_up)
    url = f"/auctions/{auction.pk}/offers/{offer.pk}/"

    page = client.get(url)
    assert page.status_code == 200 and "KES 900" in page.content.decode()
    assert f'name="total" value="{total:.2f}"' in page.content.decode()
    assert client.post(url, {"answer": "accept"}).status_code == 200  # asks again
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.OPEN

    client.post(url, {"answer": "accept", "amount": "800"})
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.OPEN

    client.post(url, {"answer": "accept", "amount": "900.00", "total": "900.00"})  # its delivery left out
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.OPEN and not Order.objects.exists()

    response = client.post(url, {"answer": "accept", "amount": "900.00", "total": str(total)})
    offer.refresh_from_db()
    assert offer.status == SecondChanceOffer.Status.ACCEPTED and response.status_code == 302
    order = Order.objects.get(buyer=runner_up)
    assert order.items_total == Decimal("900") and order.total == total
