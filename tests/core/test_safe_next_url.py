"""Forms that send the shopper back somewhere (cart, favorites, address book, notifications)
go back only to a page of this site, whatever ``next`` says."""

import pytest
from django.test import RequestFactory

from shop.core.redirects import safe_next_url


def post(next_url: str, *, secure: bool = False):
    return RequestFactory().post("/cart/add/", {"next": next_url}, secure=secure, HTTP_HOST="testserver")


@pytest.mark.parametrize(
    "hostile",
    ["https://evil.test/cart/", "//evil.test/cart/", "javascript:alert(1)", "http:///evil.test", "\\\\evil.test"],
)
def test_a_next_url_on_another_site_falls_back_to_the_default(hostile):
    assert safe_next_url(post(hostile), default="/cart/") == "/cart/"


def test_a_page_of_this_site_keeps_its_query_and_fragment():
    assert safe_next_url(post("http://testserver/p/kiondo/?variant=3#gallery")) == "/p/kiondo/?variant=3#gallery"
    assert safe_next_url(post("/checkout/")) == "/checkout/"


def test_an_http_link_from_an_https_page_is_refused():
    assert safe_next_url(post("http://testserver/checkout/", secure=True), default="/cart/") == "/cart/"


def test_candidates_are_tried_in_order():
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert safe_next_url(request, candidates=[None, "https://evil.test/", "/orders/"], default="/") == "/orders/"


@pytest.mark.parametrize("relative", ["foo", "cart", "../admin/", "①"])
def test_a_relative_next_url_falls_back_to_the_default(relative):
    """``redirect("foo")`` would look "foo" up as a URL pattern name and fail with a 500."""
    assert safe_next_url(post(relative), default="/cart/") == "/cart/"
