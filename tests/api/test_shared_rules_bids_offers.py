"""The API and the pages refuse the same bids and offers for the same reasons: each
scenario is driven through the page (Django's test client, as a browser posts it) and
through the API, and both must end the same way, with the same sentence and the same
service code (the page's code is read off the refusal its service raised)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.auctions import views as auction_pages
from shop.auctions.models import Bid, BiddingBlock
from shop.chat import views as chat_pages
from shop.chat.models import Offer
from shop.chat.selectors import conversation_for_user
from shop.chat.services.offers import LineAsked, offer_decline, offer_make
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction
from tests.factories.chat import chat_world
from tests.html import told

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


class Spy:
    """Wraps a service a page calls and keeps the code of the refusal it raised."""

    def __init__(self, monkeypatch, module, name):
        self.service, self.code = getattr(module, name), None
        monkeypatch.setattr(module, name, self)

    def __call__(self, *args, **kwargs):
        try:
            return self.service(*args, **kwargs)
        except Exception as refused:
            self.code = getattr(refused, "code", None)
            raise


def api_headers(client, user, key: str) -> dict:
    verified(user)
    return {**bearer(sign_in(client, user)["access_token"]), "Idempotency-Key": key}


# --- Bids ------------------------------------------------------------------------------


def bid_both_ways(client, monkeypatch, auction, user, amount: str):
    """The same bid through the auction page and through the API: (page's words, page's
    code, the API's answer)."""
    spy = Spy(monkeypatch, auction_pages, "bid_place")
    client.force_login(user)
    page = client.post(f"/auctions/{auction.pk}/bid/", {"amount": amount})
    said = told(page)
    client.logout()
    answer = post(client, f"/api/v1/auctions/{auction.pk}/bids/", {"amount": amount}, **api_headers(client, user, "b"))
    return said, spy.code, answer


def assert_same_refusal(said, page_code, answer, code):
    assert answer.status_code == 409, answer.content
    assert (page_code, answer.json()["code"]) == (code, code)
    assert said == [answer.json()["detail"]]


def test_a_bid_below_the_least_next_bid(client, monkeypatch):
    auction = live_auction(start_price="100")

    said, page_code, answer = bid_both_ways(client, monkeypatch, auction, UserFactory(), "99")

    assert_same_refusal(said, page_code, answer, "too_low")
    assert "Bid at least" in said[0]
    assert not Bid.objects.exists()


def test_a_bid_on_ones_own_stores_auction(client, monkeypatch):
    auction = live_auction(start_price="100")
    owner = auction.store.members.get()

    said, page_code, answer = bid_both_ways(client, monkeypatch, auction, owner, "150")

    assert_same_refusal(said, page_code, answer, "own")
    assert not Bid.objects.exists()


def test_a_bid_after_the_end(client, monkeypatch):
    auction = ended(live_auction(start_price="100"))

    said, page_code, answer = bid_both_ways(client, monkeypatch, auction, UserFactory(), "150")

    assert_same_refusal(said, page_code, answer, "not_live")
    assert not Bid.objects.exists()


def test_a_bid_by_a_buyer_blocked_from_bidding(client, monkeypatch):
    auction = live_auction(start_price="100")
    blocked = UserFactory()
    BiddingBlock.objects.create(user=blocked, reason="3 won auctions not paid.")

    said, page_code, answer = bid_both_ways(client, monkeypatch, auction, blocked, "150")

    assert_same_refusal(said, page_code, answer, "blocked")
    assert not Bid.objects.exists()


def test_an_accepted_bid_is_accepted_both_ways(client, monkeypatch):
    auction = live_auction(start_price="100")
    first, second = UserFactory(), UserFactory()

    said, page_code, _answer = bid_both_ways(client, monkeypatch, auction, first, "150")
    answer = post(client, f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "200"}, **api_headers(client, second, "c"))

    assert page_code is None and "You lead at" in said[0]
    assert answer.status_code == 200 and "You lead at" in answer.json()["message"]


# --- Offers ----------------------------------------------------------------------------


def store_offer(world, *, price="200.00") -> Offer:
    viewer = conversation_for_user(user=world.staff, pk=world.conversation.pk, for_writing=True)
    return offer_make(
        viewer=viewer,
        user=world.staff,
        lines=[LineAsked(variant_id=world.product.variants.get().pk, quantity=1, unit_price=Decimal(price))],
        delivery_mode="pickup",
        delivery_fee=Decimal("0"),
    )


def accept_both_ways(client, monkeypatch, world, offer, user):
    spy = Spy(monkeypatch, chat_pages, "offer_accept")
    client.force_login(user)
    page = client.post(f"/messages/{world.conversation.pk}/offers/{offer.pk}/accept/")
    said = told(page)
    client.logout()
    answer = post(client, f"/api/v1/offers/{offer.pk}/accept/", {}, **api_headers(client, user, "a"))
    return said, spy.code, answer


def test_the_store_cannot_accept_its_own_offer(client, monkeypatch):
    world = chat_world()
    offer = store_offer(world)

    said, page_code, answer = accept_both_ways(client, monkeypatch, world, offer, world.staff)

    assert_same_refusal(said, page_code, answer, "forbidden")
    assert Offer.objects.get().status == Offer.Status.OPEN


def test_a_store_member_cannot_ask_their_own_store(client, monkeypatch):
    world = chat_world()
    spy = Spy(monkeypatch, chat_pages, "conversation_start")
    client.force_login(world.staff)
    said = told(client.post("/messages/start/", {"product": world.product.pk}))
    client.logout()
    answer = post(
        client,
        "/api/v1/conversations/",
        {"product": world.product.slug, "text": "Hello"},
        **api_headers(client, world.staff, "s"),
    )

    assert_same_refusal(said, spy.code, answer, "own")


def test_an_expired_offer_cannot_be_accepted(client, monkeypatch):
    world = chat_world()
    offer = store_offer(world)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    said, page_code, answer = accept_both_ways(client, monkeypatch, world, offer, world.buyer)

    assert_same_refusal(said, page_code, answer, "expired")
    assert Offer.objects.get().order_id is None


def test_a_declined_offer_cannot_be_accepted(client, monkeypatch):
    world = chat_world()
    offer = store_offer(world)
    viewer = conversation_for_user(user=world.buyer, pk=world.conversation.pk, for_writing=True)
    offer_decline(viewer=viewer, user=world.buyer, offer_id=offer.pk)

    said, page_code, answer = accept_both_ways(client, monkeypatch, world, offer, world.buyer)

    assert_same_refusal(said, page_code, answer, "declined")
    assert Offer.objects.get().status == Offer.Status.DECLINED


@pytest.mark.parametrize("price", ["0", "0.00", "250.01"])
def test_an_offer_for_nothing_or_above_the_list_price(client, monkeypatch, price):
    world = chat_world(price="250.00")
    variant = world.product.variants.get()
    spy = Spy(monkeypatch, chat_pages, "offer_make")
    client.force_login(world.staff)
    page = client.post(
        f"/messages/{world.conversation.pk}/offers/new/",
        {
            "variant_0": variant.pk,
            "quantity_0": 1,
            "price_0": price,
            "delivery_mode": "pickup",
            "delivery_fee": "0",
            "hours": 24,
        },
    )
    said = [str(error) for error in page.context["form"].non_field_errors()]
    client.logout()
    answer = post(
        client,
        f"/api/v1/conversations/{world.conversation.pk}/offers/",
        {
            "lines": [{"variant": variant.pk, "quantity": 1, "unit_price": price}],
            "delivery_mode": "pickup",
            "hours": 24,
        },
        **api_headers(client, world.staff, "o"),
    )

    assert page.status_code == 422
    assert_same_refusal(said, spy.code, answer, "lines")
    assert not Offer.objects.exists()
