"""A store priced in one currency sees every amount of its dashboard in that currency, never
in the site's default one (KES here): the pages are walked from the URL resolver."""

import re
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

# The shopper's display currency chooser, on every page, names every currency.
CURRENCY_CHOOSER = re.compile(r'<button type="submit" name="currency" value="[A-Z]{3}"[^>]*>[A-Z]{3}</button>')
# Pages that list currencies to choose from (the store's settings) name the others too.
CHOOSES_CURRENCIES = {"sellers:settings", "sellers:setup"}


def _dashboard_pages_without_arguments() -> list[str]:
    names = []

    def walk(resolver, namespace):
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                walk(entry, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.converters:
                names.append(f"{namespace}:{entry.name}")

    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "sellers":
            walk(entry, "sellers")
    return sorted(set(names) - CHOOSES_CURRENCIES)


def test_a_guinean_store_sees_its_dashboard_in_francs(client, settings):
    assert settings.SOKO_CURRENCY == "KES"
    owner = UserFactory()
    store = StoreFactory(owner=owner, currency="GNF")
    product = ProductFactory(store=store, title="Radio", variants=[{"price": Decimal("250000"), "stock": 3}])
    order = OrderFactory(store=store, currency="GNF", items=[(product.variants.get(), 1)])
    client.force_login(owner)
    pages = [reverse(name) for name in _dashboard_pages_without_arguments()]
    pages += [reverse("sellers:product_edit", args=[product.pk]), reverse("sellers:order_detail", args=[order.number])]
    assert reverse("sellers:products") in pages
    shown = {}
    for url in pages:
        response = client.get(url)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            shown[url] = CURRENCY_CHOOSER.sub("", response.content.decode())
    assert "GNF 250,000" in shown[reverse("sellers:products")]
    assert "Prices in GNF" in shown[reverse("sellers:product_edit", args=[product.pk])]
    in_kes = [url for url, page in shown.items() if "KES" in page]
    assert not in_kes, f"pages of a GNF store showing KES: {in_kes}"
