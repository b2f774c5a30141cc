"""Staff compare the ledger with what the providers reported, per day; a difference is
highlighted and flagged once."""

import pytest
from django.utils import timezone

from shop.payments import ledger
from shop.payments.ledger import Line
from shop.payments.models import PaymentFlag
from shop.payments.services import attempt_create, attempt_succeeded
from shop.payments.statements import reconciliation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_paid_checkouts_reconcile_and_a_stray_posting_is_a_difference(placed):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")
    today = timezone.now().date()
    assert reconciliation(days=1) == [
        {"day": today, "provider": "mpesa", "currency": "KES", "ledger": 345100, "reported": 345100, "difference": 0}
    ]

    # A capture the provider never confirmed (a bug, a hand-made posting).
    ledger.post(kind="capture", key="stray", lines=[Line("provider:mpesa", "KES", 500), Line(ledger.FEES, "KES", -500)])

    (row,) = reconciliation(days=1)
    assert (row["ledger"], row["reported"], row["difference"]) == (345600, 345100, 500)


def test_staff_see_the_differences_and_flag_each_once(placed, client):
    ledger.post(
        kind="capture", key="stray", lines=[Line("provider:paypal", "KES", 500), Line(ledger.FEES, "KES", -500)]
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/payments/paymentflag/reconciliation/?days=7")
    assert page.status_code == 200 and b'data-difference="500"' in page.content

    for _ in range(2):
        assert client.post("/admin/payments/paymentflag/reconciliation/?days=7").status_code == 302
    flag = PaymentFlag.objects.get()
    assert flag.kind == "reconciliation" and "the ledger says 500, the provider reported 0" in flag.detail
    assert client.get("/admin/payments/paymentflag/reconciliation/?days=junk").status_code == 200


def test_shoppers_cannot_see_it(client):
    client.force_login(UserFactory())
    assert client.get("/admin/payments/paymentflag/reconciliation/").status_code == 302
