"""The auction pages: list, page, live parts, bidding over HTTP (with and without htmx),
and who sees what."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.auctions.models import Bid
from shop.auctions.selectors.auctions import bidder_handle
from shop.auctions.services import bid_place, live_fragments
from shop.cart.models import CartItem
from shop.catalog.models import Product
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.html import dom

pytestmark = pytest.mark.django_db


def test_list_shows_live_auctions_and_the_page_their_state(client):
    auction = live_auction(start_price="100", title="Brass lamp")
    bid_place(auction_id=auction.pk, bidder=UserFactory(display_name="Amina"), amount=Decimal("130"))
    page = client.get(reverse("auctions:list"))
    assert page.status_code == 200 and b"Brass lamp" in page.content
    detail = client.get(reverse("auctions:detail", args=[auction.pk]))
    body = detail.content.decode()
    assert detail.status_code == 200
    assert 'data-seq="1"' in body  # listed at 0, moved on by the first bid
    assert "A***a" in body and "Log in to bid" in body
    assert f"/ws/auctions/{auction.pk}/" in body


def test_a_hidden_product_hides_its_auction(client):
    auction = live_auction()
    Product.objects.filter(pk=auction.product_id).update(status=Product.Status.PENDING)
    assert client.get(reverse("auctions:detail", args=[auction.pk])).status_code == 404
    assert client.get(reverse("auctions:live", args=[auction.pk])).status_code == 404


def test_bid_without_javascript_redirects_with_the_outcome(client):
    auction = live_auction(start_price="100")
    client.force_login(UserFactory())
    response = client.post(reverse("auctions:bid", args=[auction.pk]), {"amount": "150"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("auctions:detail", args=[auction.pk])
    assert "You lead at" in response.content.decode()
    assert Bid.objects.filter(auction=auction).count() == 1


@pytest.mark.parametrize("amount", ["", "abc", "NaN", "-5", "1e400", "99"])
def test_a_bad_amount_is_refused_in_the_box_not_an_error(client, amount):
    auction = live_auction(start_price="100")
    client.force_login(UserFactory())
    response = client.post(reverse("auctions:bid", args=[auction.pk]), {"amount": amount}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    box = dom(response).one(f"#auction-{auction.pk}-box")
    assert box.one("[data-testid=form-refused]").text
    assert box.one("[data-testid=bid-form] [name=amount]").attr("value") == amount
    assert not Bid.objects.filter(auction=auction).exists()


def test_htmx_bid_answers_with_the_live_parts_and_the_box(client):
    auction = live_auction(start_price="100")
    client.force_login(UserFactory())
    body = client.post(reverse("auctions:bid", args=[auction.pk]), {"amount": "100"}, headers={"HX-Request": "true"}).content.decode()
    assert f'id="auction-{auction.pk}-state"' in body and 'hx-swap-oob="true"' in body
    assert f'id="auction-{auction.pk}-box"' in body and "You are the highest bidder." in body


def test_pushed_fragments_carry_no_form_and_no_personal_data():
    auction = live_auction(start_price="100")
    bidder = UserFactory(display_name="Zawadi", email="zawadi.secret@example.com")
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("500"))
    auction.refresh_from_db()
    html = live_fragments(auction)
    assert "Z***i" in html
    assert "zawadi.secret" not in html and "csrfmiddlewaretoken" not in html
    # The bidder's maximum (500) is nowhere: as an amount, not as digits inside a timestamp's microseconds.
    assert not re.search(r"(?<![\d.,])500(?!\d)", html.replace("500.00", ""))


def test_an_auction_product_cannot_go_in_the_cart(client):
    auction = live_auction()
    variant = auction.product.variants.get()
    client.force_login(UserFactory())
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    assert not CartItem.objects.filter(variant=variant).exists()


def test_a_bidder_without_a_display_name_shows_no_part_of_their_email():
    anonymous = UserFactory(display_name="", email="wanjiku.kamau@example.com")
    handle = bidder_handle(anonymous)
    assert handle.startswith("Bidder ") and "w" not in handle.lower().replace("bidder", "")
    assert bidder_handle(anonymous) == handle
    assert bidder_handle(UserFactory(display_name="Wanjiku")) == "W***u"


@pytest.mark.parametrize("product", ["abc", "99999999999999999999", "٣", "-1"])
def test_a_bad_product_link_is_a_404_not_an_error(client, product):
    assert client.get(reverse("auctions:list"), {"product": product}).status_code == 404
