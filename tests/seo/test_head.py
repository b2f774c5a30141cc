"""The head of public pages: canonical and language addresses, link previews (OpenGraph,
Twitter) and schema.org JSON-LD, validated against tests/seo/schemas.py."""

import re
from decimal import Decimal

import jsonschema
import pytest
from django.conf import settings

from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory, ReadyImageFactory
from tests.seo.html import Head
from tests.seo.schemas import LOCAL_BUSINESS, PRODUCT

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _ in settings.LANGUAGES]


def head_of(client, path: str, **params) -> Head:
    response = client.get(path, params)
    assert response.status_code == 200
    return Head(response.content.decode())


def test_a_product_page_names_its_canonical_address_and_each_language(client):
    product = ProductFactory(slug="blue-kanga")
    head = head_of(client, "/p/blue-kanga/", sort="price", variant=product.variants.first().pk)
    assert head.canonical() == "http://testserver/p/blue-kanga/"
    assert head.alternates() == {
        **{code: f"http://testserver/p/blue-kanga/?lang={code}" for code in LANGUAGES if code != "en"},
        "en": "http://testserver/p/blue-kanga/",
        "x-default": "http://testserver/p/blue-kanga/",
    }
    assert head_of(client, "/p/blue-kanga/", lang="ur").canonical() == "http://testserver/p/blue-kanga/?lang=ur"


def test_a_listing_page_keeps_its_page_number_in_the_canonical_address(client):
    ProductFactory.create_batch(2)
    assert head_of(client, "/search/", q="kanga", page="2", sort="new").canonical() == "http://testserver/search/?page=2&q=kanga"


@pytest.mark.parametrize(("currency", "price", "shown"), [("GNF", "25000.00", "25000"), ("KES", "1250.50", "1250.50")])
def test_a_product_preview_has_its_picture_title_and_price_in_the_store_currency(client, currency, price, shown):
    product = ProductFactory(slug="kanga", title="Blue kanga", store=StoreFactory(currency=currency), variants=[{"price": Decimal(price)}], images=1)
    head = head_of(client, "/p/kanga/")
    assert head.meta["og:type"] == "product"
    assert head.meta["og:title"] == "Blue kanga"
    assert head.meta["og:url"] == "http://testserver/p/kanga/"
    assert re.fullmatch(r"http://testserver/\S+\.jpe?g", head.meta["og:image"])
    assert head.meta["twitter:card"] == "summary_large_image"
    assert (head.meta["product:price:amount"], head.meta["product:price:currency"]) == (shown, currency)
    [data] = head.data_of_type("Product")
    jsonschema.validate(data, PRODUCT)
    assert data["offers"]["price"] == shown and data["offers"]["priceCurrency"] == currency
    assert data["image"] == [head.meta["og:image"]]
    assert product.title == data["name"]


def test_product_data_has_a_rating_only_when_rated_and_tells_when_out_of_stock(client):
    ProductFactory(slug="rated", variants=[{"stock": 0}])
    Product.objects.filter(slug="rated").update(rating_avg=Decimal("4.25"), rating_count=3)
    [data] = head_of(client, "/p/rated/").data_of_type("Product")
    jsonschema.validate(data, PRODUCT)
    assert data["aggregateRating"]["ratingValue"] == "4.3" and data["aggregateRating"]["reviewCount"] == 3
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"

    ProductFactory(slug="unrated")
    [data] = head_of(client, "/p/unrated/").data_of_type("Product")
    jsonschema.validate(data, PRODUCT)
    assert "aggregateRating" not in data and data["offers"]["availability"] == "https://schema.org/InStock"


def test_text_in_the_data_cannot_close_its_script(client):
    title = "Kanga </script><script>alert(1)</script> & more"
    ProductFactory(slug="tricky", title=title)
    html = client.get("/p/tricky/").content.decode()
    [data] = Head(html).data_of_type("Product")
    assert data["name"] == title
    assert "<script>alert" not in html


def test_a_cached_product_page_has_the_same_head(client, settings):
    settings.SOKO_CATALOG_PAGE_CACHE_SECONDS = 60
    ProductFactory(slug="cached", images=1)
    first, second, third = (client.get("/p/cached/").content.decode() for _ in range(3))
    assert Head(first).json_ld == Head(third).json_ld and Head(first).meta == Head(third).meta
    assert Head(second).canonical() == "http://testserver/p/cached/"


def test_a_store_page_describes_a_local_business(client):
    logo = ReadyImageFactory()
    store = StoreFactory(slug="kanga-house", name="Kanga House", tagline="Cotton from Mombasa", logo=logo, latitude=Decimal("-1.286389"), longitude=Decimal("36.817223"))
    type(store).objects.filter(pk=store.pk).update(rating_avg=Decimal("4.60"), rating_count=12)
    head = head_of(client, "/s/kanga-house/")
    assert head.canonical() == "http://testserver/s/kanga-house/"
    assert head.meta["og:title"] == "Kanga House" and head.meta["og:description"] == "Cotton from Mombasa"
    assert re.fullmatch(r"http://testserver/\S+\.jpe?g", head.meta["og:image"])
    [data] = head.data_of_type("LocalBusiness")
    jsonschema.validate(data, LOCAL_BUSINESS)
    assert data["name"] == "Kanga House" and data["telephone"] == store.phone
    assert data["address"]["streetAddress"] == "Westlands, Nairobi"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": "-1.286389", "longitude": "36.817223"}
    assert data["aggregateRating"]["ratingValue"] == "4.6" and data["aggregateRating"]["reviewCount"] == 12


def test_the_schemas_refuse_what_rich_results_would(client):
    """The schemas can fail: data without an offer or rating, or with a made-up currency."""
    ProductFactory(slug="checked")
    [data] = head_of(client, "/p/checked/").data_of_type("Product")
    for broken in ({k: v for k, v in data.items() if k != "offers"}, {**data, "offers": {**data["offers"], "priceCurrency": "shillings"}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, PRODUCT)
