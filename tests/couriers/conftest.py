"""A delivery story: a Nairobi store (pinned on the equator line for round figures), a
buyer's cash order ready for a courier, and couriers serving the store's district."""

from datetime import timedelta
from decimal import Decimal

import pytest

from couriers.models import DeliveryJob
from couriers.services import job_create
from shop.geo.models import Area
from shop.orders.models import Checkout, Order, OrderStatus
from shop.orders.selectors.handover import handover_code_reveal
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


def a_minute_passes(time_machine) -> None:
    """The clock moves on a minute, everywhere at once, and stands there (the rate limits'
    windows follow the wall clock)."""
    time_machine.move_to(timedelta(minutes=1), tick=False)


