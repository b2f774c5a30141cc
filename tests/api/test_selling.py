"""The seller's API is the dashboard's: the same stores a person may work on (another
seller's store, listing, variant or picture is a 404), the same refusals for a lesser
role, the same forms checking listings and settings, and stock written the same way
whether the page or an app counts it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sellers.models import StoreInvite, StoreMember
from shop.accounts.models import Standing
from shop.catalog.models import Product
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import CategoryFactory, ProductFactory, ProductImageFactory
from tests.factories.stores import places
from tests.media.pictures import picture_bytes
from tests.sellers.test_products_form import edit_data

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()


@pytest.fixture
def owner(db):
    return verified(UserFactory())


@pytest.fixture
def store(owner):
    return StoreFactory(owner=owner, slug="mama-njeri")


@pytest.fixture
def headers(client, owner):
    return bearer(sign_in(client, owner)["access_token"])


def staff_of(store):
    user = verified(UserFactory())
    StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.STAFF)
    return user


def patch(client, url: str, data: dict, **headers):
    return client.patch(url, data, content_type="application/json", headers=headers)


def test_my_stores_are_those_i_own_or_work_for_with_my_role(client, owner, store, headers):
    other = StoreFactory(slug="kofi-weaves")
    StoreMember.objects.create(store=other, user=owner, role=StoreMember.Role.STAFF)
    StoreFactory(slug="not-mine")

    listed = client.get("/api/v1/seller/stores/", headers=headers).json()["results"]

    assert [(row["slug"], row["role"]) for row in listed] == [("mama-njeri", "owner"), ("kofi-weaves", "staff")]


def test_another_sellers_store_listing_variant_and_picture_are_not_found(client, headers):
    theirs = StoreFactory(slug="someone-else")
    product = ProductFactory(store=theirs)
    variant = product.variants.get()
    picture = ProductImageFactory(product=product)
    stock_before = variant.stock

    answers = [
        client.get("/api/v1/seller/stores/someone-else/", headers=headers),
        patch(client, "/api/v1/seller/stores/someone-else/", {"name": "Mine now"}, **headers),
        client.get("/api/v1/seller/stores/someone-else/products/", headers=headers),
        client.get("/api/v1/seller/stores/someone-else/orders/", headers=headers),
        client.get("/api/v1/seller/stores/someone-else/ledger/", headers=headers),
        client.get("/api/v1/seller/stores/someone-else/promotions/", headers=headers),
        client.get(f"/api/v1/seller/products/{product.pk}/", headers=headers),
        patch(client, f"/api/v1/seller/products/{product.pk}/", {"title": "Mine now"}, **headers),
        post(client, f"/api/v1/seller/products/{product.pk}/variants/", {"name": "X", "price": "5"}, **headers),
        patch(client, f"/api/v1/seller/variants/{variant.pk}/", {"price": "1.00"}, **headers),
        post(client, f"/api/v1/seller/variants/{variant.pk}/stock/", {"adjust": 5}, **headers),
        client.delete(f"/api/v1/seller/images/{picture.pk}/", headers=headers),
    ]

    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert {answer.json()["code"] for answer in answers} == {"not_found"}
    variant.refresh_from_db()
    theirs.refresh_from_db()
    assert (variant.stock, variant.price, theirs.name) == (stock_before, Decimal("250.00"), theirs.name)
    assert Product.objects.get(pk=product.pk).title == product.title and product.images.count() == 1


def test_staff_are_refused_inviting_to_the_team_as_on_the_team_page(client, store):
    kofi = staff_of(store)
    client.force_login(kofi)
    page = client.post("/dashboard/team/invite/", {"email": "friend@example.test"})
    client.logout()

    answer = post(
        client,
        "/api/v1/seller/stores/mama-njeri/team/invites/",
        {"email": "friend@example.test"},
        **bearer(sign_in(client, kofi)["access_token"]),
    )

    assert (page.status_code, answer.status_code) == (403, 403)
    assert answer.json()["detail"] == "Only the store's owner can invite or remove team members."
    assert not StoreInvite.objects.exists()


def test_the_owner_invites_and_staff_see_the_team(client, store, headers):
    kofi = staff_of(store)

    invited = post(
        client, "/api/v1/seller/stores/mama-njeri/team/invites/", {"email": "Friend@Example.test"}, **headers
    )
    team = client.get("/api/v1/seller/stores/mama-njeri/team/", headers=bearer(sign_in(client, kofi)["access_token"]))

    assert invited.status_code == 201 and invited.json()["email"] == "friend@example.test"
    assert sorted(member["role"] for member in team.json()["members"]) == ["owner", "staff"]
    assert [invite["email"] for invite in team.json()["invites"]] == ["friend@example.test"]


def test_a_suspended_seller_reads_but_cannot_write(client, owner, store, headers):
    owner.standing, owner.suspended_until = Standing.SUSPENDED, timezone.now() + timedelta(days=3)
    owner.save()

    read = client.get("/api/v1/seller/stores/mama-njeri/", headers=headers)
    written = patch(client, "/api/v1/seller/stores/mama-njeri/", {"tagline": "Back soon"}, **headers)

    assert (read.status_code, written.status_code, written.json()["code"]) == (200, 403, "account_restricted")


def test_store_settings_change_through_the_settings_form(client, store, headers):
    StoreFactory(slug="taken-address")
    westlands = places().westlands
    unplaced = patch(client, "/api/v1/seller/stores/mama-njeri/", {"tagline": "Baskets from Kisii"}, **headers)

    changed = patch(
        client,
        "/api/v1/seller/stores/mama-njeri/",
        {
            "tagline": "Baskets from Kisii",
            "delivers_national": True,
            "x_handle": "@MamaNjeri",
            "return_window_days": 7,
            "area": westlands.pk,
        },
        **headers,
    )
    refused = patch(client, "/api/v1/seller/stores/mama-njeri/", {"slug": "taken-address"}, **headers)

    assert unplaced.status_code == 409
    assert unplaced.json()["errors"] == {"country": ["Choose the country you sell from."]}
    assert changed.status_code == 200, changed.content
    assert (changed.json()["area_id"], changed.json()["area"]) == (westlands.pk, "Westlands")
    store.refresh_from_db()
    assert (store.tagline, store.delivers_national, store.delivers_local, store.x_handle, store.return_window_days) == (
        "Baskets from Kisii",
        True,
        True,
        "MamaNjeri",
        7,
    )
    assert refused.status_code == 409
    assert refused.json()["errors"]["slug"][0].startswith("A store already uses that web address")
    assert store.slug == "mama-njeri"


def test_a_new_listing_is_saved_by_the_product_form_and_goes_to_review(client, store, headers):
    CategoryFactory(slug="baskets")

    made = post(
        client,
        "/api/v1/seller/stores/mama-njeri/products/",
        {
            "title": "  Sisal   basket ",
            "category": "baskets",
            "kind": "physical",
            "tags": ["sisal", "basket"],
            "variants": [{"name": "Small", "sku": "BSK-S", "price": "800.00", "stock": 3}],
        },
        **headers,
    )

    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["title"], body["status"], body["category"]) == ("Sisal basket", "pending", "baskets")
    assert [(v["name"], v["sku"], v["price"], v["stock"]) for v in body["variants"]] == [
        ("Small", "BSK-S", "800.00", 3)
    ]
    listed = client.get("/api/v1/seller/stores/mama-njeri/products/?status=pending", headers=headers).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_a_sale_price_the_page_refuses_is_refused_in_its_words(client, store, headers):
    product = ProductFactory(store=store)
    variant = product.variants.get()

    refused = patch(client, f"/api/v1/seller/variants/{variant.pk}/", {"compare_at_price": "200.00"}, **headers)
    accepted = patch(
        client, f"/api/v1/seller/variants/{variant.pk}/", {"price": "200.00", "compare_at_price": "260.00"}, **headers
    )

    assert refused.status_code == 409
    message = refused.json()["errors"]["variants.0.compare_at_price"][0]
    assert message.startswith("The compare-at price must be higher than the price (250.00)")
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["price"], accepted.json()["compare_at_price"]) == ("200.00", "260.00")


def test_a_new_variant_goes_to_review_as_on_the_page(client, store, headers):
    product = ProductFactory(store=store)

    added = post(
        client,
        f"/api/v1/seller/products/{product.pk}/variants/",
        {"name": "Large", "price": "900.00", "stock": 2},
        **headers,
    )

    assert added.status_code == 201, added.content
    assert [v["name"] for v in added.json()["variants"]][1] == "Large"
    assert added.json()["status"] == "pending"


def test_a_live_listing_is_archived_and_made_live_again(client, store, headers):
    product, draft = ProductFactory(store=store), ProductFactory(store=store, draft=True)

    archived = patch(client, f"/api/v1/seller/products/{product.pk}/", {"status": "archived"}, **headers)
    live = patch(client, f"/api/v1/seller/products/{product.pk}/", {"status": "active"}, **headers)
    refused = patch(client, f"/api/v1/seller/products/{draft.pk}/", {"status": "archived"}, **headers)

    assert (archived.json()["status"], live.json()["status"]) == ("archived", "active")
    assert refused.status_code == 409
    assert refused.json()["errors"] == {"status": ["Only live products can be archived."]}


def test_stock_set_through_the_api_is_what_the_dashboard_sets(client, owner, store, headers):
    by_page, by_api = ProductFactory(store=store, variants__stock=5), ProductFactory(store=store, variants__stock=5)
    page_variant, api_variant = by_page.variants.get(), by_api.variants.get()
    client.force_login(owner)

    client.post(
        f"/dashboard/products/{by_page.pk}/", edit_data(by_page, variant_changes={page_variant.pk: {"stock": "0"}})
    )
    answer = post(client, f"/api/v1/seller/variants/{api_variant.pk}/stock/", {"set": 0, "seen": 5}, **headers)

    page_variant.refresh_from_db()
    api_variant.refresh_from_db()
    by_page.refresh_from_db()
    by_api.refresh_from_db()
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"variant": api_variant.pk, "stock": 0, "in_stock": False}
    assert (page_variant.stock, by_page.in_stock, by_page.status) == (api_variant.stock, by_api.in_stock, by_api.status)
    assert (api_variant.stock, by_api.in_stock, by_api.status) == (0, False, Product.Status.ACTIVE)


def test_stock_that_moved_since_the_app_looked_is_refused_not_overwritten(client, store, headers):
    product = ProductFactory(store=store, variants__stock=5)
    variant = product.variants.get()

    stale = post(client, f"/api/v1/seller/variants/{variant.pk}/stock/", {"set": 9, "seen": 7}, **headers)
    added = post(client, f"/api/v1/seller/variants/{variant.pk}/stock/", {"adjust": 3}, **headers)
    too_many_out = post(client, f"/api/v1/seller/variants/{variant.pk}/stock/", {"adjust": -20}, **headers)

    assert (stale.status_code, stale.json()["code"]) == (409, "stock_changed_meanwhile")
    assert added.json()["stock"] == 8
    assert too_many_out.status_code == 409 and too_many_out.json()["errors"]["variants.0.stock"] == [
        "Stock cannot be negative."
    ]
    variant.refresh_from_db()
    assert variant.stock == 8


def test_an_auction_listing_keeps_its_one_unit_as_on_the_page(client, store, headers):
    product = ProductFactory(store=store, listing_type=Product.Listing.AUCTION, variants__stock=1)

    refused = post(client, f"/api/v1/seller/variants/{product.variants.get().pk}/stock/", {"adjust": 2}, **headers)

    assert refused.status_code == 409
    assert "A product sold by auction is one unit" in str(refused.json()["errors"])


def test_pictures_go_through_the_media_pipeline_and_can_be_removed(client, store, headers):
    product = ProductFactory(store=store)
    good = SimpleUploadedFile("front.png", picture_bytes("PNG", size=(64, 48)), content_type="image/png")
    bad = SimpleUploadedFile("notes.png", b"not a picture at all", content_type="image/png")

    added = client.post(f"/api/v1/seller/products/{product.pk}/images/", {"images": [good]}, headers=headers)
    refused = client.post(f"/api/v1/seller/products/{product.pk}/images/", {"images": [bad]}, headers=headers)

    assert added.status_code == 201, added.content
    pictures = added.json()["pictures"]
    assert len(pictures) == 1 and refused.status_code == 409 and "images" in refused.json()["errors"]
    removed = client.delete(f"/api/v1/seller/images/{pictures[0]['id']}/", headers=headers)
    assert removed.status_code == 204 and not product.images.exists()


def test_sales_and_promo_codes_are_made_by_the_promotions_forms(client, store, headers):
    product = ProductFactory(store=store)

    sale = post(
        client,
        "/api/v1/seller/stores/mama-njeri/promotions/",
        {
            "name": "Weekend",
            "kind": "percent",
            "amount": "20.00",
            "products": [product.pk],
            "ends_at": "2099-01-01T12:00:00+03:00",
        },
        **headers,
    )
    code = post(
        client,
        "/api/v1/seller/stores/mama-njeri/promo-codes/",
        {"code": "weekend10", "kind": "percent", "amount": "10.00"},
        **headers,
    )
    again = post(
        client,
        "/api/v1/seller/stores/mama-njeri/promo-codes/",
        {"code": "WEEKEND10", "kind": "percent", "amount": "10.00"},
        **headers,
    )

    assert sale.status_code == 201, sale.content
    assert (sale.json()["products"], sale.json()["amount"]) == ([product.pk], "20.00")
    assert (
        client.get("/api/v1/seller/stores/mama-njeri/promotions/", headers=headers).json()["current"][0]["name"]
        == "Weekend"
    )
    assert code.status_code == 201 and code.json()["code"] == "WEEKEND10"
    assert again.status_code == 409
    codes = client.get("/api/v1/seller/stores/mama-njeri/promo-codes/", headers=headers).json()
    assert [row["code"] for row in codes] == ["WEEKEND10"]
