"""/sitemap.xml and /robots.txt: what is listed, in which languages, and what is not."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.auctions.models import Auction
from shop.catalog.models import Product
from tests.factories import StoreFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def section(client, name: str) -> ET.Element:
    response = client.get(f"/sitemap-{name}.xml")
    assert response.status_code == 200
    return ET.fromstring(response.content)


def locations(root: ET.Element) -> list[str]:
    return [url.findtext("s:loc", namespaces=NS) for url in root.findall("s:url", NS)]


def test_the_index_lists_every_section(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    listed = {node.findtext("s:loc", namespaces=NS) for node in root.findall("s:sitemap", NS)}
    assert listed == {f"http://testserver/sitemap-{name}.xml" for name in ("products", "stores", "categories", "auctions", "blog")}


def test_visible_products_are_listed_in_every_language_and_nothing_else(client):
    shown = ProductFactory(slug="blue-kanga")
    ProductFactory(slug="a-draft", draft=True)
    ProductFactory(slug="in-review", status=Product.Status.PENDING)
    ProductFactory(slug="taken-down", status=Product.Status.HIDDEN)
    root = section(client, "products")
    assert sorted(locations(root)) == sorted(
        ["http://testserver/p/blue-kanga/"] + [f"http://testserver/p/blue-kanga/?lang={code}" for code in LANGUAGES[1:]]
    )
    for url in root.findall("s:url", NS):
        alternates = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        assert alternates == {
            code: "http://testserver/p/blue-kanga/" + ("" if code == settings.LANGUAGE_CODE else f"?lang={code}")
            for code in LANGUAGES
        }
        assert url.findtext("s:lastmod", namespaces=NS) == shown.updated_at.date().isoformat()


def test_a_listed_language_address_serves_that_language(client):
    ProductFactory(slug="blue-kanga", title="Blue kanga")
    for code in LANGUAGES:
        response = client.get("/p/blue-kanga/", {"lang": code} if code != settings.LANGUAGE_CODE else {})
        assert response.status_code == 200
        assert f'<html lang="{code}"' in response.content.decode()
    # Only that request: the next page is in the visitor's own language again.
    assert '<html lang="en"' in client.get("/p/blue-kanga/").content.decode()


def test_stores_categories_and_open_auctions_are_listed(client):
    StoreFactory(slug="kanga-house")
    CategoryFactory(slug="fabrics")
    open_auction = live_auction(start_price="100")
    ended = live_auction(start_price="100")
    Auction.objects.filter(pk=ended.pk).update(status=Auction.Status.ENDED)
    assert "http://testserver/s/kanga-house/" in locations(section(client, "stores"))
    assert "http://testserver/c/fabrics/" in locations(section(client, "categories"))
    auctions = locations(section(client, "auctions"))
    assert f"http://testserver/auctions/{open_auction.pk}/" in auctions
    assert f"http://testserver/auctions/{ended.pk}/" not in auctions


def test_a_section_takes_the_same_queries_for_10_or_100_products(client):
    def queries_for(count: int) -> int:
        Product.objects.all().delete()
        ProductFactory.create_batch(count)
        with CaptureQueriesContext(connection) as queries:
            assert len(locations(section(client, "products"))) == count * len(LANGUAGES)
        return len(queries)

    assert queries_for(10) == queries_for(100)


def test_robots_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for private in ("/dashboard/", "/admin/", "/cart/", "/checkout/", "/accounts/", "/orders/", "/messages/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /p/" not in lines and "Disallow: /s/" not in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
