"""Staff compare the ledger with the providers' own reports, per day and currency; each
difference is highlighted and flagged once, and nothing is flagged when they agree."""

from datetime import UTC, datetime

import pytest

from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.reconciliation import PROVIDER_REPORTS, ReportUnavailable, reconciliation, reconciliation_flag
from shop.payments.ledger.services import Line
from shop.payments.models import PaymentFlag
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def today():
    return datetime.now(tz=UTC).date()


def reporting(figures: dict):
    """A provider report that says ``figures`` ({(day, currency): net}) whatever is asked."""

    def report(*, since, until):
        assert since < until and since.tzinfo is not None
        return figures

    return report


def unreachable(*, since, until):
    raise ReportUnavailable("down")


def test_a_day_the_provider_agrees_with_is_not_flagged(placed):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")

    rows = reconciliation(days=1, reports={"mpesa": reporting({(today(), "KES"): 345100})})

    assert rows == [
        {"day": today(), "provider": "mpesa", "currency": "KES", "ledger": 345100, "reported": 345100, "difference": 0}
    ]
    assert reconciliation_flag(rows) == 0 and not PaymentFlag.objects.exists()


def test_a_difference_with_the_providers_report_is_flagged_once(placed):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")
    # The provider reports less than the ledger holds (a fee never posted, a reversal…).
    reports = {"mpesa": reporting({(today(), "KES"): 344600})}

    for _ in range(3):
        (row,) = reconciliation(days=1, reports=reports)
        reconciliation_flag([row])

    assert (row["ledger"], row["reported"], row["difference"]) == (345100, 344600, 500)
    flag = PaymentFlag.objects.get()
    assert flag.kind == PaymentFlag.Kind.RECONCILIATION
    assert "the ledger says 345100, the provider reported 344600" in flag.detail

    # Resolved, the same difference is not raised again; another one is.
    flag.resolved_at = flag.created_at
    flag.save()
    assert reconciliation_flag(reconciliation(days=1, reports=reports)) == 0
    ledger.post(kind="capture", key="stray", lines=[Line("provider:mpesa", "KES", 100), Line(accounts.FEES, "KES", -100)])
    assert reconciliation_flag(reconciliation(days=1, reports=reports)) == 1


def test_money_only_the_provider_saw_is_a_difference_too():
    rows = reconciliation(days=1, reports={"paypal": reporting({(today(), "usd"): 2500})})
    assert rows == [
        {"day": today(), "provider": "paypal", "currency": "USD", "ledger": 0, "reported": 2500, "difference": -2500}
    ]


def test_a_provider_without_a_readable_report_is_unchecked_never_flagged():
    ledger.post(kind="capture", key="stray", lines=[Line("provider:mpesa", "KES", 500), Line(accounts.FEES, "KES", -500)])

    for reports in ({}, {"mpesa": unreachable}):
        (row,) = reconciliation(days=1, reports=reports)
        assert (row["ledger"], row["reported"], row["difference"]) == (500, None, None)
        assert reconciliation_flag([row]) == 0


def test_staff_see_the_differences_and_flag_each_once(placed, client, monkeypatch):
    monkeypatch.setitem(PROVIDER_REPORTS, "paypal", reporting({}))
    ledger.post(
        kind="capture", key="stray", lines=[Line("provider:paypal", "KES", 500), Line(accounts.FEES, "KES", -500)]
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
