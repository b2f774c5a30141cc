"""A visitor who is not signed in and has no cart costs the catalog no session, cart or
notification work: no session row is written or read, no query for the cart badge or the
bell, and nothing the next visitor could be served by mistake."""

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Category
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = ["/", "/c/fashion/", "/c/fashion/?page=2&sort=price", "/search/?q=kikoi", "/p/{slug}/", "/stores/"]
PER_VISITOR_TABLES = ("django_session", "cart_", "notifications_", "accounts_user")


@pytest.fixture
def catalog():
    fashion = Category.objects.get(slug="fashion")
    return ProductFactory.create_batch(30, title="Kikoi", category=fashion, images=1)


@pytest.mark.parametrize("url", ANONYMOUS_PAGES)
def test_an_anonymous_visit_touches_no_session_cart_or_notification(client, catalog, url):
    path = url.format(slug=catalog[0].slug)
    client.get(path)  # the first visit sets the CSRF cookie; the second comes with it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    touched = [query["sql"] for query in queries if any(f'"{table}' in query["sql"] or f" {table}" in query["sql"] for table in PER_VISITOR_TABLES)]
    assert touched == []
    assert "sessionid" not in response.cookies
    assert Session.objects.count() == 0


def test_the_check_sees_a_session_when_there_is_one(client, catalog):
    """The same check fails for a visitor with a cart: the badge reads the session."""
    variant = catalog[0].variants.first()
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
    with CaptureQueriesContext(connection) as queries:
        client.get("/c/fashion/")

    assert Session.objects.count() == 1
    assert any('"django_session"' in query["sql"] for query in queries)
