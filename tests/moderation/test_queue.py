"""The staff queue: everything waiting in one list, most urgent then oldest first, each kind
shown only to staff allowed to act on it, read by a fixed number of queries, with bulk
actions that go through the owning services and log one entry per item."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.catalog.models import Product
from shop.moderation.models import Case, LogEntry, Report
from shop.moderation.selectors.queue import HIGH, LOW, NORMAL, URGENT, queue_counts_for_user, queue_rows_for_user
from shop.payments.models import PaymentFlag
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory

from .waiting import (
    appeal,
    case_on,
    complaint,
    escalated_return,
    non_paying_bidder,
    one_of_each,
    payment_flag,
    pending_product,
    staff_with,
)

pytestmark = pytest.mark.django_db

URL = "/admin/moderation/queue/"


@pytest.fixture
def superuser(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def listed(response) -> list[tuple[str, int]]:
    """(kind, urgency) of each row of the page, in order."""
    assert response.status_code == 200
    return [
        (kind, int(urgency))
        for kind, urgency in re.findall(r'<tr class="queue-row[^"]*" data-kind="(\w+)" data-urgency="(\d)"', response.content.decode())
    ]


def test_everything_waiting_is_listed_most_urgent_first_then_oldest(client, superuser):
    items = one_of_each()
    rows = listed(client.get(URL))
    assert rows == [
        ("case", URGENT),  # the take-down waiting for staff (1 day old)
        ("complaint", URGENT),  # past its reply deadline (5 hours old)
        ("flag", HIGH),  # 4 days
        ("return", HIGH),  # 3 days
        ("complaint", HIGH),  # waiting for staff, 2 days
        ("appeal", NORMAL),  # 7 days
        ("case", NORMAL),  # 6 days
        ("product", LOW),  # 9 days
        ("bidder", LOW),  # 8 days
        ("complaint", LOW),  # waiting for the store's reply, 5 days
    ]
    page = client.get(URL).content.decode()
    assert f"/admin/catalog/product/{items['product'].pk}/change/" in page
    assert f"/admin/returns/returnrequest/{items['return'].pk}/decide/" in page
    assert f"/admin/payments/paymentflag/{items['flag'].pk}/change/" in page
    assert "10 reporters, 10 open reports" in page


def test_counts_per_kind_at_the_top_and_a_filter_by_kind(client, superuser):
    one_of_each()
    payment_flag()
    page = client.get(URL).content.decode()
    counts = dict(re.findall(r'data-kind="(\w+)"[^>]*>[^<]*<span class="queue-count">(\d+)</span>', page))
    assert counts == {"product": "1", "case": "2", "complaint": "3", "return": "1", "flag": "2", "bidder": "1", "appeal": "1"}
    assert [kind for kind, _urgency in listed(client.get(URL, {"kind": "flag"}))] == ["flag", "flag"]
    # An unknown kind or page shows everything rather than fail.
    assert len(listed(client.get(URL, {"kind": "nonsense", "page": "x²"}))) == 11


def test_the_queue_pages_through_one_kind(client, superuser, monkeypatch):
    monkeypatch.setattr("shop.moderation.selectors.queue.QUEUE_LIMIT", 2)
    monkeypatch.setattr("shop.moderation.admin.queue.QUEUE_LIMIT", 2)
    flags = [payment_flag(age={"days": 5 - n}) for n in range(5)]
    first = client.get(URL, {"kind": "flag"}).content.decode()
    assert f"/paymentflag/{flags[0].pk}/" in first and f"/paymentflag/{flags[2].pk}/" not in first
    assert 'rel="next"' in first
    last = client.get(URL, {"kind": "flag", "page": 3}).content.decode()
    assert f"/paymentflag/{flags[4].pk}/" in last and 'rel="next"' not in last


def test_staff_see_only_what_they_may_act_on(client):
    one_of_each()
    catalog = staff_with("catalog.change_product", "catalog.view_product")
    client.force_login(catalog)
    assert {kind for kind, _u in listed(client.get(URL))} == {"product"}
    assert queue_counts_for_user(catalog) == {"product": 1}

    finance = staff_with("payments.change_paymentflag", "payments.view_paymentflag")
    client.force_login(finance)
    assert {kind for kind, _u in listed(client.get(URL))} == {"flag"}

    nobody = staff_with()
    client.force_login(nobody)
    assert client.get(URL).status_code == 403

    client.logout()
    assert client.get(URL).status_code == 302  # to the sign-in page


def test_a_bulk_action_outside_ones_permissions_does_nothing(client):
    flag = payment_flag()
    product = pending_product()
    catalog = staff_with("catalog.change_product")
    client.force_login(catalog)
    response = client.post(URL, {"action": "resolve", "rows": [f"flag:{flag.pk}"], "note": "Checked"})
    assert response.status_code == 200  # the form again, with its error
    flag.refresh_from_db()
    assert flag.resolved_at is None and not LogEntry.objects.exists()
    # Rows of a kind one may not see are not acted on, even with an action one may use.
    client.post(URL, {"action": "approve", "rows": [f"product:{product.pk}", f"flag:{flag.pk}"]})
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING


def test_the_queue_reads_a_fixed_number_of_queries(client, superuser):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    one_of_each()
    few = queries()
    for _ in range(3):
        one_of_each()
        non_paying_bidder(violations=2)
        case_on(ProductFactory(), reporters=3)
    assert queries() == few


def test_bulk_approval_of_products_logs_one_entry_each(client, superuser):
    products = [pending_product() for _ in range(3)]
    response = client.post(URL, {"action": "approve", "rows": [f"product:{p.pk}" for p in products[:2]]})
    assert response.status_code == 302
    assert list(Product.objects.filter(pk__in=[p.pk for p in products]).order_by("pk").values_list("status", flat=True)) == [
        "active", "active", "pending",
    ]
    entries = LogEntry.objects.filter(action=LogEntry.Action.PRODUCT_APPROVED)
    assert sorted(entries.values_list("target_id", flat=True)) == sorted(p.pk for p in products[:2])
    assert all(entry.actor == superuser and entry.after == {"status": "active"} for entry in entries)
    # Again: already approved, so nothing more is done or logged.
    client.post(URL, {"action": "approve", "rows": [f"product:{products[0].pk}"]})
    assert LogEntry.objects.count() == 2


def test_bulk_rejection_needs_the_reason_the_seller_reads(client, superuser):
    product = pending_product()
    response = client.post(URL, {"action": "reject", "rows": [f"product:{product.pk}"], "note": " "})
    assert response.status_code == 200 and "Write a note" in response.content.decode()
    client.post(URL, {"action": "reject", "rows": [f"product:{product.pk}"], "note": "Blurry photos"})
    product.refresh_from_db()
    assert product.status == Product.Status.REJECTED and product.rejection_reason == "Blurry photos"
    entry = LogEntry.objects.get()
    assert (entry.action, entry.reason, entry.actor) == (LogEntry.Action.PRODUCT_REJECTED, "Blurry photos", superuser)


def test_bulk_resolution_of_payment_flags_with_a_note(client, superuser):
    flags = [payment_flag() for _ in range(2)]
    client.post(URL, {"action": "resolve", "rows": [f"flag:{f.pk}" for f in flags], "note": "Refunded the difference"})
    for flag in flags:
        flag.refresh_from_db()
        assert flag.resolved_by == superuser and flag.resolution == "Refunded the difference"
    assert LogEntry.objects.filter(action=LogEntry.Action.FLAG_RESOLVED, reason="Refunded the difference").count() == 2
    assert PaymentFlag.objects.filter(resolved_at__isnull=True).count() == 0


def test_bulk_dismissal_of_cases_rejects_their_reports(client, superuser):
    product = ProductFactory()
    case = case_on(product, reporters=3)
    client.post(URL, {"action": "dismiss", "rows": [f"case:{case.pk}"], "note": "Nothing wrong with it"})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert set(Report.objects.filter(case=case).values_list("status", flat=True)) == {Report.Status.REJECTED}
    entry = LogEntry.objects.get()
    assert (entry.action, entry.target_id, entry.actor) == (LogEntry.Action.REPORT_REJECTED, product.pk, superuser)


def test_rows_of_two_kinds_or_forged_rows_are_refused_with_a_message(client, superuser):
    product, flag = pending_product(), payment_flag()
    mixed = client.post(URL, {"action": "approve", "rows": [f"product:{product.pk}", f"flag:{flag.pk}"]})
    assert mixed.status_code == 200 and "Tick rows of one kind" in mixed.content.decode()
    for forged in (["product:²"], ["product:99999999999999999999999"], ["nothing:1"], ["product"]):
        assert client.post(URL, {"action": "approve", "rows": forged}).status_code == 200
    assert client.post(URL, {"action": "explode", "rows": [f"product:{product.pk}"]}).status_code == 200
    gone = client.post(URL, {"action": "approve", "rows": ["product:999999"]})
    assert gone.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING and not LogEntry.objects.exists()


def test_rows_carry_the_details_staff_need(superuser):
    complaint(overdue=True)
    escalated_return()
    appeal()
    rows = {row.kind: row for row in queue_rows_for_user(superuser)}
    assert "reply overdue" in str(rows["complaint"].detail)
    assert "It arrived broken" in rows["return"].detail
    assert rows["appeal"].title.endswith("Warning")
    assert not rows["complaint"].actionable and not rows["return"].actionable
