"""The shopper's points page: their own balance and history only, what expires soon, how
points work, a fixed number of queries however long the history, and paging by htmx."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.promotions.models import LoyaltyEntry
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

K = LoyaltyEntry.Kind


def lot(user, points, *, days_left=300, currency="KES", order=None):
    return LoyaltyEntry.objects.create(
        user=user, currency=currency, kind=K.EARNED, points=points, remaining=points, order=order,
        expires_at=timezone.now() + timedelta(days=days_left),
    )


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get("/points/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_the_balance_per_currency_what_expires_and_the_history(client):
    shopper, other = UserFactory(), UserFactory()
    order = OrderFactory(buyer=shopper)
    lot(shopper, 1500, order=order)
    lot(shopper, 250, days_left=12)
    LoyaltyEntry.objects.create(user=shopper, currency="KES", kind=K.REDEEMED, points=-500)
    lot(shopper, 40, currency="GNF")
    lot(other, 99_999)
    client.force_login(shopper)
    page = client.get("/points/").text
    assert page.count('data-testid="points-balance"') == 2
    assert '<div class="display-6 fw-bold" data-testid="points-total">1,250</div>' in page  # 1500 + 250 - 500
    worth = [" ".join(part.split("</div>")[0].split()) for part in page.split("Worth ")[1:]]
    assert worth == ["GNF 4 off your next orders", "KES 125 off your next orders"]  # 40 and 1,250 points
    assert "250 points expire from" in page
    assert page.count('data-testid="points-entry"') == 4 and order.number in page
    assert "99,999" not in page and "Earn 1 point for every" in page


def test_a_shopper_without_points_reads_how_to_earn_them(client):
    client.force_login(UserFactory())
    page = client.get("/points/").text
    assert 'data-testid="points-none"' in page and 'data-testid="points-balance"' not in page


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/points/").status_code == 200
    return len(captured)


def test_the_page_reads_the_same_queries_for_5_or_60_entries_and_pages_by_htmx(client):
    shopper = UserFactory()
    client.force_login(shopper)
    for _ in range(5):
        lot(shopper, 10, order=OrderFactory(buyer=shopper))
    few = queries(client)
    for _ in range(55):
        lot(shopper, 10, order=OrderFactory(buyer=shopper))
    assert queries(client) == few
    second = client.get("/points/?page=3", headers={"HX-Request": "true"}).text
    assert second.lstrip().startswith('<section id="points-history"') and second.count('data-testid="points-entry"') == 10
