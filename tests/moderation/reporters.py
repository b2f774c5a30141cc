"""Reporters for moderation stories. ``fresh(n)`` are accounts made minutes ago with no
purchases: under the trust rule they weigh nothing. ``trusted(n, store)`` are accounts
older than ``SOKO_REPORT_TRUST_AGE_DAYS`` with a delivered order from ``store``: each weighs
``WEIGHT_BOUGHT_FROM_TARGET`` on that store's things. None shares anything with another
(``ip=`` gives them all one signup address)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from shop.moderation.reports.services import report_file
from shop.moderation.reports.trust import WEIGHT_BOUGHT_FROM_TARGET
from shop.orders.models import OrderStatus
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory

TRUSTED_WEIGHT = WEIGHT_BOUGHT_FROM_TARGET


def fresh(n: int, *, ip: str | None = None) -> list:
    """Accounts made now (all from ``ip`` when given)."""
    return [UserFactory(**({"signup_ip": ip} if ip else {})) for _ in range(n)]


def make_trusted(person, store, *, days: int = 90):
    """``person`` joined ``days`` ago and received an order from ``store``."""
    get_user_model().objects.filter(pk=person.pk).update(date_joined=timezone.now() - timedelta(days=days))
    person.refresh_from_db()
    OrderFactory(buyer=person, store=store, items=0, status=OrderStatus.DELIVERED, delivered_at=timezone.now())
    return person


def trusted(n: int, store, *, ip: str | None = None) -> list:
    return [make_trusted(person, store) for person in fresh(n, ip=ip)]


def file_all(people, target, reason="scam"):
    return [report_file(reporter=person, target=target, reason=reason, text="") for person in people]
