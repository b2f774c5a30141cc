"""A seller restocks an item that is selling out while buyers check out and cancel, in
real threads on PostgreSQL. Every writer of stock locks variants, then products, each
in primary-key order, so nobody waits on anybody in a circle: no deadlock, no error page,
and the stock is exactly what the sales and the seller's edit add up to."""

import pytest
from django.utils import timezone

from shop.catalog.models import Product
from shop.catalog.services.products import VariantInput, product_save
from shop.inventory.services import StockChangedMeanwhile
from shop.orders.models import Checkout, OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.checkout.test_concurrency import checkout_call, shopper_with
from tests.concurrency import at_once
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

ROUNDS = 30


def restock_call(product: Product, *, seen: int, wanted: int):
    """The seller's save of the edit page: same details, the stock set from ``seen`` to ``wanted``."""
    variant = product.variants.get()
    fields = {name: getattr(product, name) for name in ("kind", "title", "category", "description", "brand", "condition")}
    row = VariantInput(id=variant.pk, name=variant.name, price=variant.price, stock=wanted, stock_seen=seen)
    return lambda: product_save(store=product.store, product=product, fields=fields, tags=[], variants=[row], publish=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_seller_restocking_while_a_buyer_takes_the_last_unit_sees_no_error_and_stock_stays_exact(caplog):
    store = StoreFactory()
    for round_ in range(ROUNDS):
        product = ProductFactory(store=store, title=f"Kiondo basket {round_}", variants=[{"name": "Red", "stock": 1}])
        variant = product.variants.get()

        placed, saved = at_once([checkout_call(*shopper_with(variant)), restock_call(product, seen=1, wanted=5)])

        assert isinstance(placed, Checkout), (round_, placed)
        assert isinstance(saved, (Product, StockChangedMeanwhile)), (round_, saved)
        variant.refresh_from_db()
        product.refresh_from_db()
        if isinstance(saved, Product):  # the seller went first: 5 on the shelf, one sold
            assert variant.stock == 4 and product.in_stock, round_
        else:  # the buyer went first: the seller is told, and the sold unit is not resurrected
            assert saved.conflicts[0].message.startswith("1 sold since you opened this page; stock is now 0.")
            assert variant.stock == 0 and not product.in_stock, round_
    assert "retrying" not in caplog.text  # the lock order prevented deadlocks, not the retry


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_buyer_cancelling_while_the_seller_edits_one_of_the_items_sees_no_error(caplog):
    store = StoreFactory()
    now = timezone.now()
    for round_ in range(ROUNDS):
        # The older listing has the smaller key: a walk newest-first meets them the other way round.
        older = ProductFactory(store=store, published_at=now, variants=[{"name": "Red", "stock": 3}])
        newer = ProductFactory(store=store, published_at=now + timezone.timedelta(days=1), variants=[{"name": "Blue", "stock": 0}])
        red, blue = older.variants.get(), newer.variants.get()
        order = OrderFactory(store=store, items=[(red, 1), (blue, 1)])

        cancel = lambda order=order: order_transition(  # noqa: E731
            order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER
        )
        cancelled, saved = at_once([cancel, restock_call(older, seen=3, wanted=10)])

        assert cancelled.status == OrderStatus.CANCELLED, (round_, cancelled)
        assert isinstance(saved, (Product, StockChangedMeanwhile)), (round_, saved)
        red.refresh_from_db()
        blue.refresh_from_db()
        # The seller first: 10 on the shelf, then the cancelled unit comes back. The buyer
        # first: 4, and the seller's 10 (typed over a 3) is refused as stale.
        assert red.stock == (11 if isinstance(saved, Product) else 4), (round_, red.stock, saved)
        assert blue.stock == 1
        assert Product.objects.get(pk=newer.pk).in_stock
    assert "retrying" not in caplog.text
