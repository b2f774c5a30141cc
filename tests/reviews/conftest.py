import pytest
from django.utils import timezone

from shop.orders.models import Order, OrderStatus
from tests.factories.orders import OrderFactory


def delivered_order(**kwargs) -> Order:
    """An order delivered just now (the review page, the request and the edit window start there)."""
    order = OrderFactory(**kwargs)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED, delivered_at=timezone.now())
    order.refresh_from_db()
    return order


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
