"""A delivery story: a Nairobi store (pinned on the equator line for round figures), a
buyer's cash order ready for a courier, and couriers serving the store's district."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from couriers.models import DeliveryJob
from couriers.services import job_create
from shop.core.services import ratelimit
from shop.geo.models import Area
from shop.orders.handover import handover_code_reveal
from shop.orders.models import Checkout, Order, OrderStatus
from tests.factories.addresses import westlands
from tests.factories.couriers import courier_serving
from tests.factories.orders import OrderFactory, member_of
from tests.geo.factories import AreaFactory


@pytest.fixture
def district() -> Area:
    return westlands().parent


@pytest.fixture
def shop_area(district) -> Area:
    return AreaFactory(name="Parklands", parent=district, latitude=Decimal("0"), longitude=Decimal("36"))


def ready_order(area: Area, *, payment_method: str = "cod", store=None, status=OrderStatus.READY) -> Order:
    """A home-delivery order of a store in ``area``, to a buyer pinned one degree east
    along the equator (111.19 km away on Soko's sphere)."""
    extra = {"store": store} if store is not None else {}
    order = OrderFactory(status=status, payment_method=payment_method, **extra)
    store = order.store
    store.area, store.latitude, store.longitude = area, Decimal("0"), Decimal("36")
    store.save(update_fields=["area", "latitude", "longitude"])
    Checkout.objects.filter(pk=order.checkout_id).update(
        area=westlands(), latitude=Decimal("0"), longitude=Decimal("37")
    )
    return Order.objects.select_related("store", "checkout").get(pk=order.pk)


@pytest.fixture
def order(shop_area) -> Order:
    return ready_order(shop_area)


@pytest.fixture
def courier(district):
    return courier_serving(district)


@pytest.fixture
def rival(district):
    return courier_serving(district)


@pytest.fixture
def job(order) -> DeliveryJob:
    return job_create(order=order, actor=member_of(order), bonus="50")


def buyer_code(order: Order) -> tuple[str, str]:
    """The QR text and the 8 digits the buyer's page shows."""
    order = Order.objects.select_related("handover_code").get(pk=order.pk)
    return handover_code_reveal(handover=order.handover_code)


def a_minute_passes(monkeypatch) -> None:
    """The clock of the rate limits moves on a minute (their windows follow the wall clock)."""
    later = ratelimit.time.time() + 60
    monkeypatch.setattr(ratelimit.time, "time", lambda: later)


def at_once(calls) -> list:
    """Run ``calls`` in threads released together, each on its own connection."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait(timeout=30)
            return call()
        except Exception as error:  # noqa: BLE001 - each attempt's outcome is inspected
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))
