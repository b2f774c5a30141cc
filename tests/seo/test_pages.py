"""Every page a visitor without an account can open, found by walking the URL resolver and
the sitemap (so a new page is covered the day it is added): a one-line title, a meta
description, the link-preview tags, a canonical address without ``page=1``, product data
with an offer, and breadcrumbs that search engines read as the visitor sees them."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from shop.blog.models import Post
from shop.core.selectors.seo import text_from_html
from site_config.sitemaps import PRIVATE_PATHS
from tests.factories import StoreFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import CategoryFactory, ProductFactory
from tests.factories.chat import chat_world
from tests.seo.html import Head
from tests.seo.schemas import BREADCRUMB_LIST, PRODUCT

pytestmark = pytest.mark.django_db

# Addresses that are not pages, each with the reason.
NOT_PAGES = {
    "robots_txt": "text for crawlers",
    "sitemap_index": "XML for crawlers",
    "sitemap_section": "XML for crawlers",
    "core:healthz": "a health check",
    "core:liveness": "a health check",
    "core:readiness": "a health check",
    "core:metrics": "figures for Prometheus, behind a token",
    "media": "pictures",
    "auctions:live": "a fragment the auction page reads again",
    "auctions:bid": "a form's action (POST)",
    "auctions:buy_now": "a form's action (POST)",
    "auctions:watch": "a form's action (POST)",
    "auctions:offer": "a second-chance offer: its buyer's only",
}


@dataclass
class Market:
    category: object
    product: object
    auction: object
    store: object
    post: object


@pytest.fixture
def market():
    parent = CategoryFactory(name="Home & living", slug="home-living")
    category = CategoryFactory(name="Baskets", slug="baskets", parent=parent)
    store = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri", tagline="")
    product = ProductFactory(title="Kiondo basket", slug="kiondo", store=store, category=category, images=1, description="")
    auction = live_auction(store=store, category=category, title="Carved stool", buy_now_price="900")
    post = Post.objects.create(
        store=store, author=store.memberships.get().user, title="New baskets", slug="new-baskets",
        body="<p>Fresh from Kisii.</p><p>Come and see.</p>", status=Post.Status.PUBLISHED, published_at=timezone.now(),
    )
    return Market(category=category, product=product, auction=auction, store=store, post=post)


# The sample object each public address with parameters is opened with.
SAMPLES = {
    "catalog:category": lambda m: {"slug": m.category.slug},
    "catalog:product": lambda m: {"slug": m.product.slug},
    "stores:detail": lambda m: {"slug": m.store.slug},
    "blog:detail": lambda m: {"slug": m.post.slug},
    "auctions:detail": lambda m: {"auction_id": m.auction.pk},
}


def routes(resolver=None, prefix="", namespace=""):
    """(route, URL name, parameter names) of every address, outside the admin and the API."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(("admin/", "api/")):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from routes(entry, route, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield "/" + route, f"{namespace}:{entry.name}" if namespace else entry.name, entry.pattern.regex.groupindex


def public_pages(market) -> list[str]:
    """Addresses of every page outside robots.txt's private areas, each opened with a sample,
    and every page without parameters a visitor is shown (log-in, sign-up, search)."""
    pages, unknown = [], []
    for route, name, parameters in routes():
        public = not route.startswith(PRIVATE_PATHS)
        if name in NOT_PAGES:
            continue
        if parameters:
            if name in SAMPLES:
                pages.append(reverse(name, kwargs=SAMPLES[name](market)))
            elif public:
                unknown.append(name)
        elif "<" not in route and "(" not in route:
            pages.append(reverse(name))
    assert not unknown, f"Give these public addresses a sample (or a reason in NOT_PAGES): {unknown}"
    return pages


def locations(xml: bytes) -> list[str]:
    """The ``<loc>`` addresses of a sitemap or sitemap index, as paths with their query."""
    addresses = [urlsplit(node.text) for node in ET.fromstring(xml).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    return [address.path + (f"?{address.query}" if address.query else "") for address in addresses]


def sitemap_pages(client) -> list[str]:
    return [page for section in locations(client.get("/sitemap.xml").content) for page in locations(client.get(section).content)]


def whole_page(client, address: str) -> Head | None:
    response = client.get(address)
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return None
    html = response.content.decode()
    return Head(html) if "<html" in html else None


def test_every_public_page_has_a_description_a_preview_and_a_one_line_title(client, market):
    pages = public_pages(market)
    checked = []
    for address in pages + sitemap_pages(client):
        head = whole_page(client, address)
        if head is None:
            assert urlsplit(address).path.startswith(PRIVATE_PATHS), f"{address} is public but not a page"
            continue
        [title] = head.titles
        assert title.strip() and "\n" not in title, (address, title)
        for name in ("description", "og:title", "og:description", "og:url", "og:type", "twitter:card"):
            assert (head.meta.get(name) or "").strip(), (address, name)
        assert head.meta["og:url"] == head.canonical(), address
        for data in head.data_of_type("Product"):
            jsonschema.validate(data, PRODUCT)
        checked.append(address)
    # The walk reached the pages the issue named, and the sitemap's.
    for wanted in ("/", "/c/baskets/", "/search/", "/auctions/", "/blog/", "/stores/", f"/auctions/{market.auction.pk}/"):
        assert wanted in checked, wanted
    assert "/p/kiondo/?lang=fr" in checked


def test_a_first_page_is_never_its_own_address(client, market):
    for address in public_pages(market):
        head = whole_page(client, f"{address}?page=1")
        if head is not None:
            assert "page" not in parse_qs(urlsplit(head.canonical()).query), address
            assert all("page" not in parse_qs(urlsplit(href).query) for href in head.alternates().values()), address
    head = whole_page(client, "/search/?q=basket&page=01")
    assert parse_qs(urlsplit(head.canonical()).query) == {"q": ["basket"]}


def test_visible_breadcrumbs_are_the_breadcrumbs_search_engines_read(client, market):
    with_crumbs = 0
    for address in public_pages(market) + ["/search/?q=basket"]:
        head = whole_page(client, address)
        if head is None or not head.crumbs:
            continue
        with_crumbs += 1
        [trail] = head.data_of_type("BreadcrumbList")
        jsonschema.validate(trail, BREADCRUMB_LIST)
        read = [(item["name"], item.get("item")) for item in trail["itemListElement"]]
        shown = [(text, f"http://testserver{href}" if href else None) for text, href in head.crumbs]
        assert read == shown, address
        assert [item["position"] for item in trail["itemListElement"]] == list(range(1, len(shown) + 1))
    assert with_crumbs >= 5  # category, search, product, auction, post


def test_a_product_page_trail_names_the_category_and_its_parent(client, market):
    head = whole_page(client, "/p/kiondo/")
    assert head.crumbs == [("Home", "/"), ("Home & living", "/c/home-living/"), ("Baskets", "/c/baskets/"), ("Kiondo basket", None)]


def test_a_description_made_from_a_post_keeps_its_words_apart(client, market):
    head = whole_page(client, "/blog/new-baskets/")
    assert head.meta["description"] == head.meta["og:description"] == "Fresh from Kisii. Come and see."
    [posting] = head.data_of_type("BlogPosting")
    assert posting["description"] == "Fresh from Kisii. Come and see."


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a b"),
        ("<h2>Kikapu</h2><ul><li>one</li><li>two</li></ul>", "Kikapu one two"),
        ("line<br>next", "line next"),
        ("<strong>Soko</strong>'s <em>own</em> &amp; more", "Soko's own & more"),
        ("  spread\n\n out ", "spread out"),
    ],
)
def test_text_from_html_never_runs_words_together(html, text):
    assert text_from_html(html) == text


def test_an_auction_product_offers_its_current_bid_and_its_buy_it_now_price(client, market):
    for address in ("/p/" + market.auction.product.slug + "/", f"/auctions/{market.auction.pk}/"):
        [data] = whole_page(client, address).data_of_type("Product")
        jsonschema.validate(data, PRODUCT)
        offer = data["offers"]
        assert offer["@type"] == "AggregateOffer", address
        assert (offer["lowPrice"], offer["highPrice"], offer["priceCurrency"]) == ("100.00", "900.00", "KES")
        assert offer["availability"] == "https://schema.org/InStock"
        assert offer["url"] == f"http://testserver/auctions/{market.auction.pk}/"


def test_an_auction_without_buy_it_now_offers_one_price(client):
    auction = live_auction(start_price="250")
    [data] = whole_page(client, f"/auctions/{auction.pk}/").data_of_type("Product")
    jsonschema.validate(data, PRODUCT)
    assert data["offers"]["@type"] == "Offer"
    assert (data["offers"]["price"], data["offers"]["availability"]) == ("250.00", "https://schema.org/InStock")


def test_a_sold_auction_offers_what_it_sold_for_and_says_sold_out(client):
    auction = live_auction(start_price="250")
    type(auction).objects.filter(pk=auction.pk).update(
        status="ended", outcome="sold", final_price=Decimal("410"), current_price=Decimal("410"), ends_at=timezone.now()
    )
    [data] = whole_page(client, f"/auctions/{auction.pk}/").data_of_type("Product")
    jsonschema.validate(data, PRODUCT)
    assert (data["offers"]["price"], data["offers"]["availability"]) == ("410.00", "https://schema.org/SoldOut")


def test_a_conversation_title_is_one_line(client):
    world = chat_world()
    client.force_login(world.buyer)
    head = whole_page(client, f"/messages/{world.conversation.pk}/")
    [title] = head.titles
    assert "\n" not in title and title.startswith(f"{world.store.name} · ")
