"""Staff edit a variant's price in the admin in the store's currency's minor unit: GNF
90000.50 or KES 10.005 is refused on the row with the rule's sentence, never saved."""

from decimal import Decimal

import pytest

from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.inventory.pages import form_values

pytestmark = pytest.mark.django_db


def admin_save(client, product, **typed):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = f"/admin/catalog/product/{product.pk}/change/"
    values = form_values(client.get(url).content.decode(), "product_form")
    return client.post(url, values | typed | {"_continue": "Save and continue editing"})


def product_in(currency: str):
    return ProductFactory(store=StoreFactory(currency=currency), variants=[{"name": "Blue", "price": Decimal("1000"), "stock": 3}])


@pytest.mark.parametrize("name", ["price", "compare_at_price"])
def test_a_fraction_of_a_franc_is_refused_on_the_variants_row(client, name):
    product = product_in("GNF")
    response = admin_save(client, product, **{f"variants-0-{name}": "90000.50"})
    assert response.status_code == 200
    rows = [formset for formset in response.context["inline_admin_formsets"] if formset.formset.prefix == "variants"]
    assert rows[0].formset.forms[0].errors[name] == ["Prices in GNF are whole numbers, without decimals."]
    variant = product.variants.get()
    assert (variant.price, variant.compare_at_price) == (Decimal("1000"), None)


def test_whole_francs_are_saved(client):
    product = product_in("GNF")
    response = admin_save(client, product, **{"variants-0-price": "90000"})
    assert response.status_code == 302
    assert product.variants.get().price == Decimal("90000")


def test_a_fraction_of_a_cent_is_refused(client):
    product = product_in("KES")
    response = admin_save(client, product, **{"variants-0-price": "10.005"})
    assert response.status_code == 200
    assert product.variants.get().price == Decimal("1000")
