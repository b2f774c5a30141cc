"""A store's fixed amount off (a sale's or a promo code's) and a code's minimum order are
money of the store's currency: a fraction finer than its minor unit is refused on the
field with the rule's sentence, not rounded by the promotions services later. A
percentage is not money and keeps its decimals."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sellers.promotions.forms import PromoCodeForm, SaleForm
from tests.factories import StoreFactory

pytestmark = pytest.mark.django_db

WHOLE_FRANCS = "Prices in GNF are whole numbers, without decimals."
CENTS = "Prices in KES have at most 2 decimals."


def sale(store, kind, amount):
    ends = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = SaleForm({"name": "Weekend", "kind": kind, "amount": amount, "ends_at": ends}, store=store)
    form.is_valid()
    return list(form.errors.get("amount", []))


def code(store, kind, amount="1000", min_order="0"):
    data = {"code": "WEEKEND", "kind": kind, "amount": amount, "min_order": min_order, "max_uses_per_customer": "1"}
    form = PromoCodeForm({f"code-{key}": value for key, value in data.items()}, store=store)
    form.is_valid()
    return {name: list(errors) for name, errors in form.errors.items()}


def test_a_sales_amount_off_is_refused_finer_than_the_currency():
    francs, shillings = StoreFactory(currency="GNF"), StoreFactory(currency="KES")
    assert sale(francs, "fixed", "90000.50") == [WHOLE_FRANCS]
    assert sale(francs, "fixed", "90000") == []
    assert sale(shillings, "fixed", "10.005") != []  # two decimal places at most, by the field
    assert sale(francs, "percent", "12.5") == []


def test_a_promo_codes_amount_off_and_minimum_order_are_refused_finer_than_the_currency():
    francs = StoreFactory(currency="GNF")
    assert code(francs, "fixed", amount="90000.50")["amount"] == [WHOLE_FRANCS]
    assert code(francs, "fixed", min_order="90000.50")["min_order"] == [WHOLE_FRANCS]
    assert code(francs, "percent", amount="12.5", min_order="90000.50") == {"min_order": [WHOLE_FRANCS]}
    assert code(francs, "fixed", amount="90000", min_order="90000") == {}


def test_the_promotions_page_shows_the_sentence_and_makes_no_code(client):
    from shop.promotions.models import PromoCode

    store = StoreFactory(currency="GNF")
    client.force_login(store.memberships.get().user)
    data = {"code-code": "WEEKEND", "code-kind": "fixed", "code-amount": "90000.50", "code-min_order": "0",
            "code-max_uses_per_customer": "1"}
    response = client.post(reverse("sellers:promotions"), data)
    assert WHOLE_FRANCS in response.content.decode()
    assert not PromoCode.objects.exists()
