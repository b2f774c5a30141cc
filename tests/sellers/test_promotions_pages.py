"""The store's promotions page: schedule a sale from the form (refusals explained), see it,
stop it; only the store's own members, and never on another store's sale."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import Variant
from shop.promotions.models import PromoCode, Sale
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def store():
    return StoreFactory(name="Mama Njeri Crafts")


@pytest.fixture
def owner(store, client):
    user = store.memberships.get().user
    client.force_login(user)
    return user


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_seller_schedules_a_sale_that_starts_now(client, store, owner, django_capture_on_commit_callbacks):
    basket = ProductFactory(store=store, title="Sisal basket", variants__price=Decimal("1000"))
    ProductFactory(store=store, title="Reed mat")
    page = client.get(reverse("sellers:promotions"))
    assert page.status_code == 200 and "Sisal basket" in page.text and "Reed mat" in page.text

    form = {"name": "Weekend", "kind": "percent", "amount": "25", "products": [basket.pk], "starts_at": "",
            "ends_at": local(timezone.now() + timedelta(days=2))}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sellers:promotions"), form)
    assert response.status_code == 302
    sale = Sale.objects.get()
    assert sale.status == Sale.Status.RUNNING and sale.created_by == owner
    assert Variant.objects.get(product=basket).price == Decimal("750.00")

    page = client.get(reverse("sellers:promotions"))
    assert 'data-status="running"' in page.text and "25 % off" in page.text
    client.post(reverse("sellers:sale_stop", args=[sale.pk]))
    assert Variant.objects.get(product=basket).price == Decimal("1000.00")
    assert Sale.objects.get().status == Sale.Status.ENDED


def test_a_refused_sale_says_why(client, store, owner):
    basket = ProductFactory(store=store, title="Sisal basket", variants__price=Decimal("100"))
    form = {"name": "Too much", "kind": "fixed", "amount": "150", "products": [basket.pk], "starts_at": "",
            "ends_at": local(timezone.now() + timedelta(days=2))}
    response = client.post(reverse("sellers:promotions"), form)
    assert response.status_code == 422 and "more than Sisal basket costs" in response.text
    response = client.post(reverse("sellers:promotions"), {**form, "amount": "10", "products": []})
    assert response.status_code == 422 and "either products or a category" in response.text
    assert not Sale.objects.exists()


def test_another_stores_products_and_sales_are_out_of_reach(client, store, owner):
    theirs = ProductFactory(title="Their kikoi")
    assert "Their kikoi" not in client.get(reverse("sellers:promotions")).text
    form = {"name": "Sneaky", "kind": "percent", "amount": "50", "products": [theirs.pk], "starts_at": "",
            "ends_at": local(timezone.now() + timedelta(days=2))}
    assert client.post(reverse("sellers:promotions"), form).status_code == 422  # not a choice
    their_sale = Sale.objects.create(store=theirs.store, name="Theirs", amount=10, starts_at=timezone.now(), ends_at=timezone.now() + timedelta(days=1))
    assert client.post(reverse("sellers:sale_stop", args=[their_sale.pk])).status_code == 404
    assert Sale.objects.get(pk=their_sale.pk).status == Sale.Status.SCHEDULED


def test_only_store_members_open_it(client, store):
    assert client.get(reverse("sellers:promotions")).status_code == 302  # to log in
    client.force_login(UserFactory())
    assert client.get(reverse("sellers:promotions")).status_code in (302, 403)


def test_a_seller_makes_a_promo_code_and_stops_it(client, store, owner):
    form = {"code-code": "weekend 10", "code-kind": "percent", "code-amount": "10", "code-min_order": "500",
            "code-starts_at": "", "code-ends_at": "", "code-max_uses": "50", "code-max_uses_per_customer": "1"}
    assert client.post(reverse("sellers:promotions"), form).status_code == 302
    code = PromoCode.objects.get()
    assert (code.code, code.store, code.currency, code.max_uses, code.min_order) == ("WEEKEND10", store, store.currency, 50, 500)
    page = client.get(reverse("sellers:promotions")).text
    assert "WEEKEND10" in page and "Used 0 of 50 times" in page
    again = client.post(reverse("sellers:promotions"), form)
    assert again.status_code == 422 and "is taken" in again.text
    client.post(reverse("sellers:promo_code_stop", args=[code.pk]))
    assert not PromoCode.objects.get().active


def test_another_stores_code_cannot_be_stopped(client, store, owner):
    theirs = PromoCode.objects.create(code="THEIRS", store=StoreFactory(), amount=10, currency="KES", starts_at=timezone.now())
    assert client.post(reverse("sellers:promo_code_stop", args=[theirs.pk])).status_code == 404
    assert PromoCode.objects.get().active
