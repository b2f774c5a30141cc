"""A sale whose start or end job was lost (a queue that restarted empty, a worker killed
while it held the job) still starts and ends: the minute's sweep does it, once."""

# ruff: noqa: F811  (the fixtures imported below are the tests' arguments)

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.promotions.models import Sale
from shop.promotions.services.sales import sales_tick
from tests.promotions.test_sales import HOUR, basket, prices, schedule, store  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

BEFORE = [(Decimal("1000.00"), None), (Decimal("1500.00"), Decimal("1800.00"))]
DURING = [(Decimal("800.00"), Decimal("1000.00")), (Decimal("1200.00"), Decimal("1800.00"))]


def test_a_sale_whose_start_job_was_lost_starts(store, basket, jobs_lost, django_capture_on_commit_callbacks):
    now = timezone.now()
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        sale = schedule(store, [basket], starts=now, ends=now + HOUR, now=now)

    assert "promotions.sale_start" in lost
    sale.refresh_from_db()
    assert sale.status == Sale.Status.SCHEDULED and prices(basket) == BEFORE

    assert sales_tick() == (1, 0)
    assert sales_tick() == (0, 0)

    sale.refresh_from_db()
    assert sale.status == Sale.Status.RUNNING and prices(basket) == DURING


def test_a_sale_whose_end_job_was_lost_ends(store, basket, jobs_lost, django_capture_on_commit_callbacks):
    now = timezone.now()
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        sale = schedule(store, [basket], starts=now, ends=now + HOUR, now=now)
    assert sales_tick(now=now) == (1, 0)

    assert "promotions.sale_end" in lost
    over = now + HOUR + timedelta(seconds=1)
    sale.refresh_from_db()
    assert sale.status == Sale.Status.RUNNING and prices(basket) == DURING

    assert sales_tick(now=over) == (0, 1)
    assert sales_tick(now=over) == (0, 0)

    sale.refresh_from_db()
    assert sale.status == Sale.Status.ENDED and prices(basket) == BEFORE
