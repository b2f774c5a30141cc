"""Auctions through the API are the auction pages': the same list, the same price and least
next bid, bidders named as the page names them, and bids, buy-it-now and watching through
the pages' services (their refusals with their codes); a hidden auction is a 404."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from sellers.models import Store
from shop.auctions.models import Auction, Bid, Watch
from shop.auctions.selectors.auctions import bidder_handle, min_next_bid
from shop.auctions.services import bid_place
from shop.catalog.models import Product
from tests.factories import UserFactory
from tests.factories.addresses import AddressFactory
from tests.factories.auctions import auction_product, live_auction

from .conftest import RunnerDied, bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def headers(client, person):
    return bearer(sign_in(client, person)["access_token"])


def bid(client, auction, headers, key="k1", **body):
    return post(client, f"/api/v1/auctions/{auction.pk}/bids/", body, **headers, **{"Idempotency-Key": key})


def test_the_list_and_the_page_show_the_same_auctions(client):
    lamp = live_auction(title="Brass lamp", minutes_left=60 * 48)
    soon = live_auction(title="Carved stool", minutes_left=30)

    live = client.get("/api/v1/auctions/").json()
    ending = client.get("/api/v1/auctions/?show=ending").json()
    page = client.get("/auctions/?show=ending").content.decode()

    assert [row["id"] for row in live["results"]] == [soon.pk, lamp.pk]
    assert [row["title"] for row in ending["results"]] == ["Carved stool"]
    assert "Carved stool" in page and "Brass lamp" not in page


def test_an_unknown_tab_is_refused_and_an_unknown_category_ignored(client):
    assert client.get("/api/v1/auctions/?show=soon").status_code == 400
    answer = client.get("/api/v1/auctions/?category=no-such")
    assert answer.status_code == 200 and answer.json()["notices"]


def test_the_page_shows_the_price_history_and_my_maximum(client, person, headers):
    auction = live_auction(start_price="100", buy_now_price="500")
    amina = UserFactory(display_name="Amina")
    bid_place(auction_id=auction.pk, bidder=amina, amount=Decimal("130"))

    answer = bid(client, auction, headers, amount="140", maximum="300")
    seen = client.get(f"/api/v1/auctions/{auction.pk}/", headers=headers).json()
    anonymous = client.get(f"/api/v1/auctions/{auction.pk}/").json()

    assert answer.status_code == 200, answer.content
    assert answer.json()["leading"] is True and "You lead at" in answer.json()["message"]
    assert seen["my_maximum"] == "300.00" and seen["leading"] is True
    # Amina's maximum (130) answered first; the shopper leads one step above it.
    auction.refresh_from_db()
    assert seen["current_price"] == "135.00" and seen["min_next_bid"] == f"{min_next_bid(auction):.2f}"
    assert [row["bidder"] for row in seen["bids"]] == [bidder_handle(person), "A***a", "A***a"]
    assert seen["buy_now_price"] is None  # bidding has begun, as the page says
    assert anonymous["my_maximum"] is None and anonymous["leading"] is False


def test_a_bid_too_low_is_a_409_with_the_service_code(client, headers):
    auction = live_auction(start_price="100")

    answer = bid(client, auction, headers, amount="99")

    assert answer.status_code == 409
    assert answer.json()["code"] == "too_low" and "Bid at least" in answer.json()["detail"]
    assert not Bid.objects.exists()


def test_the_same_bid_sent_twice_is_placed_once(client, headers):
    auction = live_auction(start_price="100")

    first = bid(client, auction, headers, key="same", amount="150")
    again = bid(client, auction, headers, key="same", amount="150")

    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Bid.objects.filter(auction=auction).count() == 1


def test_a_bid_whose_runner_died_after_its_commit_answers_as_the_first(client, person, headers, answer_lost):
    auction = live_auction(start_price="100")
    with pytest.raises(RunnerDied):
        bid(client, auction, headers, key="lost", amount="150")
    answer_lost()

    again = bid(client, auction, headers, key="lost", amount="150")
    new_request = bid(client, auction, headers, key="another", amount="150")

    assert again.status_code == 200, again.content
    assert again.json()["leading"] is True and "You lead at" in again.json()["message"]
    assert new_request.status_code == 409, "the same maximum under a new key is a new bid, refused"
    assert Bid.objects.filter(auction=auction).count() == 1


def test_a_buy_now_whose_runner_died_after_its_commit_answers_with_the_order(client, person, headers, answer_lost):
    auction = live_auction(start_price="100", buy_now_price="400")
    path, body = f"/api/v1/auctions/{auction.pk}/buy-now/", {"price": "400.00"}
    with pytest.raises(RunnerDied):
        post(client, path, body, **headers, **{"Idempotency-Key": "lost"})
    answer_lost()

    again = post(client, path, body, **headers, **{"Idempotency-Key": "lost"})
    new_request = post(client, path, body, **headers, **{"Idempotency-Key": "another"})

    auction.refresh_from_db()
    assert again.status_code == 201, again.content
    assert again.json()["order"] == auction.order.number and auction.winner == person
    assert new_request.status_code == 409 and new_request.json()["code"] == "not_live"
    assert person.orders.count() == 1


def test_buy_now_makes_an_order_to_pay(client, person, headers):
    auction = live_auction(start_price="100", buy_now_price="400")

    answer = post(client, f"/api/v1/auctions/{auction.pk}/buy-now/", {"price": "400.00"}, **headers, **{"Idempotency-Key": "b"})

    auction.refresh_from_db()
    assert answer.status_code == 201, answer.content
    assert answer.json()["order"] == auction.order.number and auction.winner == person
    assert answer.json()["auction"]["won"] is True


def test_buy_now_after_bidding_began_is_refused(client, headers):
    auction = live_auction(start_price="100", buy_now_price="400")
    bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("120"))

    answer = post(client, f"/api/v1/auctions/{auction.pk}/buy-now/", {"price": "400"}, **headers, **{"Idempotency-Key": "b"})

    assert answer.status_code == 409 and answer.json()["code"] == "buy_now_gone"


@pytest.mark.parametrize("body", [{}, {"price": "350"}], ids=["no price", "another price"])
def test_buy_now_buys_only_at_the_price_the_app_showed(client, person, headers, body):
    auction = live_auction(start_price="100", buy_now_price="400")

    answer = post(client, f"/api/v1/auctions/{auction.pk}/buy-now/", body, **headers, **{"Idempotency-Key": "b"})

    auction.refresh_from_db()
    assert answer.status_code == (409 if body else 400), answer.content
    if body:
        assert answer.json()["code"] == "price_changed"
    assert auction.winner is None and auction.status == "live"


def test_the_page_names_what_a_win_adds_and_buy_now_takes_only_that_total(client, person, headers):
    """An app shows the delivery a win gets (as the page's confirmation does) and sends the
    total it showed: a total the order would not come to buys nothing."""
    auction = live_auction(start_price="100", buy_now_price="400")
    address = AddressFactory(user=person)
    Store.objects.filter(pk=auction.store_id).update(area=address.area, delivers_local=True)
    page = client.get(f"/api/v1/auctions/{auction.pk}/", headers=headers).json()
    assert page["delivery_mode"] == "delivery" and Decimal(page["delivery_fee"]) > 0
    assert client.get(f"/api/v1/auctions/{auction.pk}/").json()["delivery_fee"] is None  # not signed in
    total = Decimal("400") + Decimal(page["delivery_fee"])

    path = f"/api/v1/auctions/{auction.pk}/buy-now/"
    refused = post(client, path, {"price": "400", "total": "400"}, **headers, **{"Idempotency-Key": "b1"})
    auction.refresh_from_db()
    assert refused.status_code == 409 and refused.json()["code"] == "price_changed"
    assert auction.winner is None and not person.orders.exists()

    bought = post(client, path, {"price": "400", "total": str(total)}, **headers, **{"Idempotency-Key": "b2"})
    assert bought.status_code == 201, bought.content
    assert person.orders.get().total == total


def test_watch_and_unwatch(client, person, headers):
    auction = live_auction()
    url = f"/api/v1/auctions/{auction.pk}/watch/"

    on = client.put(url, headers=headers)
    watching = client.get(f"/api/v1/auctions/{auction.pk}/", headers=headers).json()["watching"]
    off = client.delete(url, headers=headers)

    assert (on.json(), watching, off.json()) == ({"watching": True}, True, {"watching": False})
    assert not Watch.objects.filter(user=person).exists()
    assert Auction.objects.get(pk=auction.pk).watchers_count == 0


def test_a_hidden_auction_is_a_404_everywhere(client, headers):
    auction = live_auction()
    Product.objects.filter(pk=auction.product_id).update(status=Product.Status.PENDING)

    answers = [
        client.get(f"/api/v1/auctions/{auction.pk}/", headers=headers),
        bid(client, auction, headers, amount="200"),
        client.put(f"/api/v1/auctions/{auction.pk}/watch/", headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [404, 404, 404]


def test_bidding_needs_a_signed_in_shopper(client):
    auction = live_auction()
    assert (
        post(client, f"/api/v1/auctions/{auction.pk}/bids/", {"amount": "200"}, **{"Idempotency-Key": "x"}).status_code
        == 401
    )


def test_another_person_does_not_see_my_maximum(client, person, headers):
    auction = live_auction(start_price="100")
    bid(client, auction, headers, amount="200")
    other = verified(UserFactory())
    theirs = client.get(f"/api/v1/auctions/{auction.pk}/", headers=bearer(sign_in(client, other)["access_token"]))
    assert theirs.json()["my_maximum"] is None and theirs.json()["current_price"] == "100.00"


def create(client, user, **body):
    return post(client, "/api/v1/auctions/", body, **bearer(sign_in(client, verified(user))["access_token"]))


def terms(product, **changes) -> dict:
    ends = (timezone.now() + timedelta(days=3)).isoformat()
    return {"store": product.store.slug, "product": product.pk, "start_price": "100", "ends_at": ends, **changes}


def test_a_seller_puts_a_product_up_for_auction_through_the_dashboards_form(client):
    lot = auction_product(title="Brass lamp")
    owner = lot.store.members.get()

    answer = create(client, owner, **terms(lot, buy_now_price="500"))

    assert answer.status_code == 201, answer.content
    auction = Auction.objects.get(product=lot)
    assert answer.json()["id"] == auction.pk and answer.json()["status"] == "live"
    assert answer.json()["buy_now_price"] == "500.00"


def test_the_forms_refusals_are_409s_in_its_words(client):
    lot = auction_product()
    owner = lot.store.members.get()

    answer = create(client, owner, **terms(lot, reserve_price="50"))

    assert answer.status_code == 409 and answer.json()["code"] == "terms"
    assert answer.json()["detail"] == "The reserve cannot be below the start price."
    assert not Auction.objects.exists()


def test_another_stores_product_or_store_is_a_404(client):
    lot = auction_product()
    stranger = UserFactory()
    mine = auction_product()

    theirs = create(client, mine.store.members.get(), **terms(lot, store=mine.store.slug))
    not_on_team = create(client, stranger, **terms(lot))

    assert (theirs.status_code, not_on_team.status_code) == (404, 404)
