"""A deadlock or a busy database while a seller saves a product or someone moves an
order is retried; if the database stays busy the person reads "please try again", never
an error page, and nothing is half-written."""

from decimal import Decimal

import pytest
from django.db import OperationalError

from shop.catalog.services import products as catalog_services
from shop.catalog.services.products import VariantInput, product_save
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role, TransitionError
from shop.orders.services import orders as order_services
from shop.orders.services.orders import order_transition
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr("shop.core.services.transactions.time.sleep", lambda seconds: None)


def failing_first(real, *failures):
    pending = list(failures)

    def run(**kwargs):
        if pending:
            raise pending.pop(0)
        return real(**kwargs)

    return run


def price_edit(product, price):
    variant = product.variants.get()
    fields = {name: getattr(product, name) for name in ("kind", "title", "category", "description", "brand", "condition")}
    row = VariantInput(id=variant.pk, name=variant.name, price=price, stock=variant.stock, stock_seen=variant.stock)
    return {"store": product.store, "product": product, "fields": fields, "tags": [], "variants": [row], "publish": True}


def test_a_product_save_that_hits_a_deadlock_is_retried_and_saved(monkeypatch):
    product = ProductFactory(variants=[{"price": Decimal("500"), "stock": 4}])
    monkeypatch.setattr(
        catalog_services, "_product_save",
        failing_first(catalog_services._product_save, OperationalError("deadlock detected"), OperationalError("database is locked")),
    )

    product_save(**price_edit(product, Decimal("450")))

    assert product.variants.get().price == Decimal("450.00")


def test_a_seller_whose_store_stays_busy_is_asked_to_save_again(client, monkeypatch):
    product = ProductFactory(variants=[{"price": Decimal("500"), "stock": 4}])
    client.force_login(product.store.memberships.get().user)

    def always_locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(catalog_services, "_product_save", always_locked)
    variant = product.variants.get()
    data = {
        "kind": product.kind, "title": product.title, "category": product.category_id, "description": product.description,
        "brand": "", "condition": product.condition, "tags": "", "publish": "1",
        "variants-TOTAL_FORMS": "1", "variants-INITIAL_FORMS": "1", "variants-MIN_NUM_FORMS": "1", "variants-MAX_NUM_FORMS": "1000",
        "variants-0-id": variant.pk, "variants-0-name": variant.name, "variants-0-price": "450", "variants-0-stock": "4",
        "variants-0-stock_seen": "4", "variants-0-low_stock_threshold": "3",
    }

    response = client.post(f"/dashboard/products/{product.pk}/", data)

    assert response.status_code == 200
    assert "Your store is busy right now and nothing was saved. Please save again." in response.content.decode()
    assert product.variants.get().price == Decimal("500.00")


def test_an_order_move_that_hits_a_deadlock_is_retried(monkeypatch):
    order = OrderFactory()
    monkeypatch.setattr(
        order_services, "order_move", failing_first(order_services.order_move, OperationalError("deadlock detected"))
    )

    order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and order.events.filter(to_status=OrderStatus.CANCELLED).count() == 1


def test_an_order_that_stays_busy_says_try_again_and_changes_nothing(monkeypatch):
    order = OrderFactory()

    def always_locked(**kwargs):
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(order_services, "order_move", always_locked)

    with pytest.raises(TransitionError, match="Please try again"):
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER)
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
