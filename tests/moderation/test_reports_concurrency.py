"""Ten trusted people report one product at the same moment (PostgreSQL, one thread each):
the product is hidden once, by one take-down, and staff and the seller are told once."""


import pytest
from django.contrib.auth.models import Permission

from shop.catalog.models import Product
from shop.moderation.models import Case, LogEntry, Report, Takedown
from shop.moderation.reports.services import report_file
from shop.notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory

from .reporters import TRUSTED_WEIGHT, trusted

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("reporters", [10, 13])
def test_distinct_reporters_at_once_hide_the_product_exactly_once(reporters, settings):
    settings.SOKO_REPORT_THRESHOLD = 10 * TRUSTED_WEIGHT
    settings.SOKO_REPORT_URGENT_REPORTERS = 100  # staff hear of the take-down only
    product = ProductFactory()
    seller = product.store.memberships.get().user
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(content_type__app_label="moderation", codename="decide_case"))
    people = trusted(reporters, product.store)

    results = at_once([lambda p=p: report_file(reporter=p, target=product, reason="scam") for p in people])

    assert all(isinstance(result, Report) for result in results), results
    product.refresh_from_db()
    assert product.status == Product.Status.HIDDEN
    case = Case.objects.get()
    assert case.open_reporters == reporters and case.status == Case.Status.TAKEN_DOWN
    assert Takedown.objects.count() == 1
    assert LogEntry.objects.filter(action=LogEntry.Action.TAKEDOWN).count() == 1
    assert Notification.objects.filter(user=seller, kind="moderation").count() == 1
    assert Notification.objects.filter(user=staff, kind="moderation").count() == 1


def test_one_reporter_ten_times_at_once_files_one_report():
    product = ProductFactory()
    person = UserFactory()
    at_once([lambda: report_file(reporter=person, target=product, reason="scam") for _ in range(10)])
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert Report.objects.count() == 1 and Case.objects.get().open_reporters == 1
