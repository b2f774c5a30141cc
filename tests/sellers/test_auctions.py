"""A seller runs auctions from the dashboard: lists them, puts a product up for auction,
follows the bids, relists an unsold one and offers the reserve price to the top bidder."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.auctions.models import Auction, SecondChanceOffer
from shop.auctions.selectors.auctions import bidder_handle
from shop.auctions.services import AuctionError, auction_close, bid_place
from shop.catalog.models import Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.auctions import auction_product, ended, live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/dashboard/auctions/"
NEW_URL = "/dashboard/auctions/new/"


def local(moment: datetime) -> str:
    """A moment as a datetime-local input sends it, in the current time zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def terms_data(**changes) -> dict:
    now = timezone.now()
    data = {
        "start_price": "100",
        "reserve_price": "",
        "buy_now_price": "",
        "starts_at": "",
        "ends_at": local(now + timedelta(days=3)),
        "soft_close_minutes": "2",
    }
    return data | changes


def form_errors(response) -> str:
    form = response.context["form"]
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@pytest.fixture
def other_store():
    return StoreFactory(name="Jua Kali Metalworks")


@pytest.fixture
def bidder():
    return UserFactory(display_name="Wanjiru Kamau", email="wanjiru@example.test")


def test_the_list_shows_this_stores_auctions_and_not_another_stores(seller_client, store, other_store):
    mine = live_auction(store=store, title="Carved mvule stool")
    theirs = live_auction(store=other_store, title="Copper bangle")

    response = seller_client.get(LIST_URL)

    assert response.status_code == 200
    assert [auction for auction, _handle in response.context["rows"]] == [mine]
    html = response.content.decode()
    assert "Carved mvule stool" in html and "Copper bangle" not in html
    assert f"/dashboard/auctions/{mine.pk}/" in html and f"/dashboard/auctions/{theirs.pk}/" not in html
    assert 'data-phase="live"' in html
    assert NEW_URL in html


def test_the_list_is_paged(seller_client, store):
    for number in range(22):
        live_auction(store=store, title=f"Stool {number}")

    first = seller_client.get(LIST_URL)
    second = seller_client.get(f"{LIST_URL}?page=2")

    assert len(first.context["rows"]) == 20 and len(second.context["rows"]) == 2
    assert 'href="?page=2"' in first.content.decode()


def test_the_list_shows_the_winners_order(seller_client, store, bidder):
    auction = live_auction(store=store)
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("150"))
    auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()

    html = seller_client.get(LIST_URL).content.decode()

    assert auction.order is not None
    assert f"/dashboard/orders/{auction.order.number}/" in html
    assert 'data-phase="sold"' in html


def test_the_dashboard_nav_has_auctions(seller_client):
    html = seller_client.get(LIST_URL).content.decode()
    assert 'href="/dashboard/auctions/" aria-current="page"' in html


def test_seller_puts_a_product_up_for_auction_in_their_own_time_zone(seller_client, store):
    user = store.memberships.get().user
    user.time_zone = "Africa/Nairobi"
    user.save(update_fields=["time_zone"])
    product = auction_product(store=store, title="Kisii soapstone bowl")
    ends = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=5)
    ends_in_nairobi = ends.astimezone(timezone.get_fixed_timezone(180)).strftime("%Y-%m-%dT%H:%M")

    form_page = seller_client.get(f"{NEW_URL}?product={product.pk}")
    assert form_page.status_code == 200
    assert form_page.context["form"]["product"].value() == product.pk

    response = seller_client.post(
        NEW_URL,
        terms_data(product=product.pk, start_price="500", reserve_price="800", buy_now_price="2000", ends_at=ends_in_nairobi,
                   soft_close_minutes="5"),
    )

    auction = Auction.objects.get(product=product)
    assert response.status_code == 302 and response["Location"] == f"/dashboard/auctions/{auction.pk}/"
    assert auction.store == store
    assert (auction.start_price, auction.reserve_price, auction.buy_now_price) == (Decimal("500"), Decimal("800"), Decimal("2000"))
    assert auction.ends_at == ends  # 5 days from now at that minute in Nairobi, stored in UTC
    assert auction.soft_close_minutes == 5
    assert auction.status == Auction.Status.LIVE and auction.starts_at <= timezone.now()


def test_the_product_choice_lists_only_this_stores_auction_products(seller_client, store, other_store):
    mine = auction_product(store=store, title="Beaded calabash")
    ProductFactory(store=store, title="Kikoi, blue")  # sold at a fixed price
    auction_product(store=other_store, title="Their drum")

    form = seller_client.get(NEW_URL).context["form"]

    assert list(form.fields["product"].queryset) == [mine]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"starts_at": 2, "ends_at": 1}, "The auction must end after it starts."),
        ({"reserve_price": "50"}, "The reserve cannot be below the start price."),
        ({"buy_now_price": "100"}, "The buy-it-now price must be above the start price and the reserve."),
        ({"ends_at": -1}, "The end time has passed"),
        ({"start_price": "0"}, "The start price must be more than zero."),
    ],
)
def test_terms_that_do_not_hold_are_refused_with_the_reason(seller_client, store, changes, message):
    product = auction_product(store=store)
    now = timezone.now()
    # A number is a time that many days from now.
    changes = {key: local(now + timedelta(days=value)) if isinstance(value, int) else value for key, value in changes.items()}

    response = seller_client.post(NEW_URL, terms_data(product=product.pk, **changes))

    assert response.status_code == 200
    assert message in form_errors(response)
    assert message in response.content.decode()
    assert not Auction.objects.exists()


def test_another_stores_product_cannot_be_auctioned(seller_client, other_store):
    theirs = auction_product(store=other_store)

    response = seller_client.post(NEW_URL, terms_data(product=theirs.pk))

    assert response.status_code == 200
    assert "Choose one of your store's products sold by auction." in form_errors(response)
    assert not Auction.objects.exists()


def test_a_fixed_price_product_cannot_be_auctioned(seller_client, store):
    fixed = ProductFactory(store=store, variants=[{"stock": 1}])

    response = seller_client.post(NEW_URL, terms_data(product=fixed.pk))

    assert response.status_code == 200
    assert "Choose one of your store's products sold by auction." in form_errors(response)
    assert not Auction.objects.exists()


def test_a_product_already_up_for_auction_is_refused(seller_client, store):
    running = live_auction(store=store)

    response = seller_client.post(NEW_URL, terms_data(product=running.product.pk))

    assert response.status_code == 200
    assert "already has an auction that has not ended" in form_errors(response)
    assert Auction.objects.count() == 1


def test_a_refusal_from_the_auction_service_is_a_form_error_not_a_500(seller_client, store, monkeypatch):
    product = auction_product(store=store)

    def refuse(**kwargs):
        raise AuctionError("This product already has an auction that has not ended.", code="duplicate")

    monkeypatch.setattr("sellers.auctions.views.auction_create", refuse)
    response = seller_client.post(NEW_URL, terms_data(product=product.pk))

    assert response.status_code == 200
    assert "This product already has an auction that has not ended." in response.context["form"].non_field_errors()


def test_the_auction_page_shows_live_state_and_every_bid(seller_client, store, bidder):
    auction = live_auction(store=store, start_price="100")
    rival = UserFactory(display_name="Otieno")
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("300"))
    bid_place(auction_id=auction.pk, bidder=rival, amount=Decimal("200"))

    response = seller_client.get(f"/dashboard/auctions/{auction.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'ws-connect="/ws/auctions/{auction.pk}/"' in html
    assert f'id="auction-{auction.pk}-state"' in html and f'id="auction-{auction.pk}-history"' in html
    amounts = [bid.amount for bid, _handle in response.context["history"]]
    assert amounts == [Decimal("205"), Decimal("200"), Decimal("100")]
    assert bidder_handle(bidder) in html  # the leader, masked as bidders see each other
    assert bidder.email not in html


def test_another_stores_auction_is_not_found(seller_client, other_store, bidder):
    theirs = live_auction(store=other_store, reserve_price="500")
    bid_place(auction_id=theirs.pk, bidder=bidder, amount=Decimal("200"))
    auction_close(auction_id=ended(theirs).pk)

    assert seller_client.get(f"/dashboard/auctions/{theirs.pk}/").status_code == 404
    assert seller_client.post(f"/dashboard/auctions/{theirs.pk}/relist/", terms_data()).status_code == 404
    assert seller_client.post(f"/dashboard/auctions/{theirs.pk}/reserve-offer/").status_code == 404
    assert not SecondChanceOffer.objects.exists()
    assert Auction.objects.count() == 1


def test_a_member_of_two_stores_follows_a_link_to_the_other_stores_auction(client, store, other_store):
    user = store.memberships.get().user
    other_store.memberships.create(user=user, role=other_store.memberships.get().role)
    auction = live_auction(store=other_store)
    client.force_login(user)
    client.get(LIST_URL)  # the first store is current

    response = client.get(f"/dashboard/auctions/{auction.pk}/")

    assert response.status_code == 200
    assert response.context["store"] == other_store


def test_relist_after_an_unsold_close(seller_client, store):
    auction = live_auction(store=store, start_price="250", buy_now_price="900")
    assert auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.NO_BIDS

    page = seller_client.get(f"/dashboard/auctions/{auction.pk}/")
    relist_form = page.context["relist_form"]
    assert relist_form is not None
    assert relist_form["start_price"].value() == Decimal("250")
    assert relist_form["buy_now_price"].value() == Decimal("900")

    response = seller_client.post(
        f"/dashboard/auctions/{auction.pk}/relist/",
        terms_data(start_price="200", buy_now_price="800", ends_at=local(timezone.now() + timedelta(days=2))),
    )

    new = Auction.objects.exclude(pk=auction.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/auctions/{new.pk}/"
    assert new.relisted_from == auction and new.product == auction.product
    assert (new.start_price, new.buy_now_price) == (Decimal("200"), Decimal("800"))
    assert new.status == Auction.Status.LIVE
    # The old auction now points at its relist and offers no second relist.
    page = seller_client.get(f"/dashboard/auctions/{auction.pk}/")
    assert page.context["relist_form"] is None
    assert f"/dashboard/auctions/{new.pk}/" in page.content.decode()


def test_relist_with_bad_terms_shows_the_form_again(seller_client, store):
    auction = live_auction(store=store)
    auction_close(auction_id=ended(auction).pk)

    response = seller_client.post(f"/dashboard/auctions/{auction.pk}/relist/", terms_data(reserve_price="10"))

    assert response.status_code == 422
    assert "The reserve cannot be below the start price." in response.context["relist_form"].non_field_errors()
    assert Auction.objects.count() == 1


def test_a_relist_refused_because_a_teammate_relisted_meanwhile_keeps_the_terms(seller_client, store):
    auction = live_auction(store=store)
    auction_close(auction_id=ended(auction).pk)
    assert seller_client.get(f"/dashboard/auctions/{auction.pk}/").context["relist_form"] is not None
    seller_client.post(f"/dashboard/auctions/{auction.pk}/relist/", terms_data(start_price="150"))  # the teammate's

    response = seller_client.post(f"/dashboard/auctions/{auction.pk}/relist/", terms_data(start_price="175", buy_now_price="640"))

    assert response.status_code == 422
    form = response.context["relist_form"]
    assert "This auction was already relisted as auction" in " ".join(form.non_field_errors())
    assert (form["start_price"].value(), form["buy_now_price"].value()) == ("175", "640")
    page = response.content.decode()
    assert 'data-testid="relist-form"' in page and 'value="175"' in page
    assert Auction.objects.count() == 2


def test_a_live_or_sold_auction_cannot_be_relisted(seller_client, store, bidder):
    live = live_auction(store=store)
    response = seller_client.post(f"/dashboard/auctions/{live.pk}/relist/", terms_data(), follow=True)
    assert "Only an auction that ended unsold can be relisted." in response.content.decode()

    sold = live_auction(store=store)
    bid_place(auction_id=sold.pk, bidder=bidder, amount=Decimal("120"))
    auction_close(auction_id=ended(sold).pk)
    seller_client.post(f"/dashboard/auctions/{sold.pk}/relist/", terms_data())

    assert Auction.objects.count() == 2


def test_reserve_offer_goes_to_the_top_bidder(seller_client, store, bidder):
    auction = live_auction(store=store, start_price="100", reserve_price="500")
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("300"))
    bid_place(auction_id=auction.pk, bidder=UserFactory(), amount=Decimal("200"))
    auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()
    assert auction.outcome == Auction.Outcome.RESERVE_NOT_MET
    page = seller_client.get(f"/dashboard/auctions/{auction.pk}/")
    assert page.context["can_offer_reserve"]

    response = seller_client.post(f"/dashboard/auctions/{auction.pk}/reserve-offer/", follow=True)

    offer = SecondChanceOffer.objects.get(auction=auction)
    assert (offer.bidder, offer.amount, offer.reason) == (bidder, Decimal("500"), SecondChanceOffer.Reason.RESERVE)
    assert offer.status == SecondChanceOffer.Status.OPEN
    html = response.content.decode()
    assert "is offered the item at your reserve price" in html
    assert 'data-testid="auction-offers"' in html and 'data-offer-status="open"' in html
    # Offered once; and no relist while the bidder may still accept.
    assert not response.context["can_offer_reserve"] and response.context["relist_form"] is None
    again = seller_client.post(f"/dashboard/auctions/{auction.pk}/reserve-offer/", follow=True)
    assert "already offered" in again.content.decode()
    assert SecondChanceOffer.objects.count() == 1
    refused = seller_client.post(f"/dashboard/auctions/{auction.pk}/relist/", terms_data(), follow=True)
    assert "is offered to a bidder until" in refused.content.decode()
    assert Auction.objects.count() == 1


def test_reserve_offer_is_refused_when_the_reserve_was_met(seller_client, store, bidder):
    auction = live_auction(store=store, reserve_price="150")
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("200"))
    auction_close(auction_id=ended(auction).pk)

    response = seller_client.post(f"/dashboard/auctions/{auction.pk}/reserve-offer/", follow=True)

    assert "Only an auction that ended below its reserve" in response.content.decode()
    assert not SecondChanceOffer.objects.exists()


def test_sold_auction_links_the_winners_order(seller_client, store, bidder):
    auction = live_auction(store=store)
    bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal("150"))
    auction_close(auction_id=ended(auction).pk)
    auction.refresh_from_db()

    html = seller_client.get(f"/dashboard/auctions/{auction.pk}/").content.decode()

    assert f'href="/dashboard/orders/{auction.order.number}/"' in html
    assert seller_client.get(f"/dashboard/orders/{auction.order.number}/").status_code == 200


# --- The product form: sold by fixed price or auction ------------------------------------

PRODUCT_NEW = "/dashboard/products/new/"


def product_post(*, category, variants, **fields) -> dict:
    data = {
        "kind": "physical", "title": "Makonde carving", "category": category.pk, "description": "Ebony, one of a kind.",
        "brand": "", "condition": "handmade", "tags": "", "publish": "1",
        "variants-TOTAL_FORMS": str(len(variants)), "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
    } | fields
    for index, variant in enumerate(variants):
        row = {"id": "", "name": "", "sku": "", "colour": "", "size": "", "price": "", "compare_at_price": "",
               "stock": "0", "low_stock_threshold": "0", "duration_minutes": ""} | variant
        for key, value in row.items():
            data[f"variants-{index}-{key}"] = value
    return data


@pytest.fixture
def carvings():
    return CategoryFactory(slug="crafts-carvings")


def test_product_form_sets_sold_by_auction(seller_client, store, carvings):
    response = seller_client.post(
        PRODUCT_NEW,
        product_post(category=carvings, listing_type="auction", variants=[{"name": "One piece", "price": "4000", "stock": "1"}]),
    )

    product = Product.objects.get(store=store)
    assert response.status_code == 302
    assert product.listing_type == Product.Listing.AUCTION
    assert product.variants.get().stock == 1
    assert f"{NEW_URL}?product={product.pk}" in seller_client.get(response["Location"]).content.decode()


def test_product_form_without_the_choice_keeps_fixed_price(seller_client, store, carvings):
    seller_client.post(PRODUCT_NEW, product_post(category=carvings, variants=[{"name": "One", "price": "40", "stock": "8"}]))
    assert Product.objects.get(store=store).listing_type == Product.Listing.FIXED


def test_an_auction_product_must_be_one_unit(seller_client, store, carvings):
    three = seller_client.post(
        PRODUCT_NEW, product_post(category=carvings, listing_type="auction", variants=[{"name": "One", "price": "40", "stock": "3"}])
    )
    assert three.status_code == 200
    assert "set the stock to 1" in three.content.decode()

    two = seller_client.post(
        PRODUCT_NEW,
        product_post(category=carvings, listing_type="auction", variants=[
            {"name": "Small", "price": "40", "stock": "1"}, {"name": "Large", "price": "60", "stock": "1"},
        ]),
    )
    assert two.status_code == 200
    assert "keep exactly one variant" in two.content.decode()
    assert not Product.objects.filter(store=store).exists()


def test_a_product_up_for_auction_cannot_switch_to_fixed_price(seller_client, store):
    auction = live_auction(store=store)
    product = auction.product
    variant = product.variants.get()
    data = product_post(
        category=product.category, title=product.title, listing_type="fixed",
        variants=[{"id": variant.pk, "name": variant.name, "price": str(variant.price), "stock": "1", "stock_seen": "1"}],
    ) | {"variants-INITIAL_FORMS": "1"}

    response = seller_client.post(f"/dashboard/products/{product.pk}/", data)

    assert response.status_code == 200
    assert "This product is up for auction" in response.content.decode()
    product.refresh_from_db()
    assert product.listing_type == Product.Listing.AUCTION
