"""Money a provider took that no order owes (a late, double or mismatched payment) is in
the ledger the moment it is flagged, in suspense, and staff give it back from there
through the provider that took it; M-Pesa by hand, with a checklist."""

import pytest
from django.contrib.auth.models import Permission

from shop.orders.models import Checkout
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.suspense import SuspenseRefundError, suspense_refund
from shop.payments.models import LedgerTransaction, PaymentAttempt, PaymentFlag, PaymentStatus, SuspenseRefund
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import UserFactory
from tests.payments.test_stripe_webhook import deliver, event_of

pytestmark = pytest.mark.django_db

FLAGS_URL = "/admin/payments/paymentflag/"


def balances(provider: str, currency: str = "KES") -> tuple[int, int]:
    return ledger.balance(accounts.provider_account(provider), currency), ledger.balance(accounts.SUSPENSE, currency)


def balanced():
    for posted in LedgerTransaction.objects.all():
        assert sum(posted.entries.values_list("amount_minor", flat=True)) == 0, posted.key
    return True


@pytest.fixture
def finance(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_paymentflag", "change_paymentflag", "add_suspenserefund"])
    )
    return user


def give_back(client, flag, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(FLAGS_URL, {"action": "give_back", "_selected_action": [flag.pk]})


def test_a_late_mpesa_payment_is_booked_in_suspense_and_given_back_by_hand(placed, finance, client):
    """KES 3,451 arrives after the checkout expired: flagged "must be refunded" and booked."""
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    Checkout.objects.filter(pk=placed.pk).update(payment_status=PaymentStatus.EXPIRED)

    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")

    flag = PaymentFlag.objects.get(kind=PaymentFlag.Kind.LATE)
    assert "must be refunded" in flag.detail
    assert balances("mpesa") == (345100, -345100) and balanced()

    client.force_login(finance)
    assert client.post(FLAGS_URL, {"action": "give_back", "_selected_action": [flag.pk]}).status_code == 302

    refund = SuspenseRefund.objects.get()
    assert (refund.status, refund.amount_minor, refund.currency) == ("manual", 345100, "KES")
    assert any("NLJ7RT61SV" in item for item in refund.checklist)
    assert balances("mpesa") == (0, 0) and balanced()
    assert PaymentFlag.objects.filter(kind=PaymentFlag.Kind.MANUAL_REFUND, attempt=attempt).count() == 1
    # Asking again gives back nothing more.
    suspense_refund(attempt=attempt, actor=finance)
    assert SuspenseRefund.objects.count() == 1 and balances("mpesa") == (0, 0)


def test_a_double_card_payment_is_given_back_through_stripe_once(
    fake, started, placed, finance, client, django_capture_on_commit_callbacks
):
    second = attempt_create(checkout=placed, gateway="card", provider="stripe")
    from shop.payments.providers.stripe.gateway import session_create

    request = type("R", (), {"build_absolute_uri": staticmethod(lambda path: f"http://testserver{path}")})()
    session = session_create(request=request, checkout=placed, attempt=second)
    PaymentAttempt.objects.filter(pk=second.pk).update(reference=session.id)
    for reference in (started.reference, session.id):
        assert deliver(client, event_of(fake.engine.session_pay(reference), "checkout.session.completed")).status_code == 200

    placed.refresh_from_db()
    flag = PaymentFlag.objects.get(kind=PaymentFlag.Kind.DOUBLE)
    assert placed.payment_status == PaymentStatus.PAID
    assert balances("stripe") == (2 * 345100, -345100) and balanced()

    client.force_login(finance)
    for _ in range(2):
        assert give_back(client, flag, django_capture_on_commit_callbacks).status_code == 302

    refund = SuspenseRefund.objects.get()
    assert refund.status == "succeeded" and refund.reference.startswith("re_")
    made = [params for method, path, params in fake.requests if (method, path) == ("POST", "/v1/refunds")]
    assert len(made) == 1 and made[0]["amount"] == "345100"
    assert made[0]["payment_intent"] == PaymentAttempt.objects.get(pk=flag.attempt_id).payment_reference
    assert balances("stripe") == (345100, 0) and balanced()
    flag.refresh_from_db()
    assert flag.resolved_at is not None and refund.reference in flag.resolution


def test_a_refused_refund_from_suspense_can_be_asked_again(
    fake, started, placed, finance, django_capture_on_commit_callbacks
):
    fake.engine.tamper(started.reference, amount_total=100)
    deliver_paid = event_of(fake.engine.session_pay(started.reference), "checkout.session.completed")
    from django.test import Client

    assert deliver(Client(), deliver_paid).status_code == 200
    attempt = PaymentAttempt.objects.get(pk=started.pk)
    assert attempt.status == PaymentAttempt.Status.FLAGGED and balances("stripe") == (100, -100)
    charge_id = fake.engine.intent_retrieve({}, attempt.payment_reference)["latest_charge"]
    fake.engine.tamper(charge_id, amount_refunded=100)  # Stripe will refuse: nothing left to refund

    with django_capture_on_commit_callbacks(execute=True):
        refund = suspense_refund(attempt=attempt, actor=finance)
    refund.refresh_from_db()
    assert refund.status == "failed" and refund.message and balances("stripe") == (100, -100)

    fake.engine.tamper(charge_id, amount_refunded=0)
    with django_capture_on_commit_callbacks(execute=True):
        again = suspense_refund(attempt=attempt, actor=finance)
    again.refresh_from_db()
    assert again.pk == refund.pk and (again.status, again.tries) == ("succeeded", 2)
    assert balances("stripe") == (0, 0) and balanced()


def test_only_money_in_suspense_can_be_given_back(placed, finance):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")
    with pytest.raises(SuspenseRefundError):
        suspense_refund(attempt=attempt, actor=finance)  # paid as asked: the orders own it


def test_shop_staff_without_the_permission_cannot_give_money_back(placed, client):
    attempt = attempt_create(checkout=placed, gateway="mpesa", provider="mpesa")
    Checkout.objects.filter(pk=placed.pk).update(payment_status=PaymentStatus.EXPIRED)
    attempt_succeeded(attempt_id=attempt.pk, received_minor=345100, currency="KES", payment_reference="NLJ7RT61SV")
    support = UserFactory(is_staff=True)
    support.user_permissions.add(*Permission.objects.filter(codename__in=["view_paymentflag", "change_paymentflag"]))
    client.force_login(support)
    flag = PaymentFlag.objects.get()
    client.post(FLAGS_URL, {"action": "give_back", "_selected_action": [flag.pk]})
    assert not SuspenseRefund.objects.exists()


def test_money_given_back_that_the_bank_returns_is_back_in_suspense(
    fake, started, placed, finance, client, django_capture_on_commit_callbacks
):
    from tests.payments.test_stripe_money import control, deliver_all

    fake.engine.tamper(started.reference, amount_total=100)
    deliver_all(client, fake.engine.session_pay(started.reference))
    attempt = PaymentAttempt.objects.get(pk=started.pk)
    with django_capture_on_commit_callbacks(execute=True):
        given = suspense_refund(attempt=attempt, actor=finance)
    given.refresh_from_db()
    assert given.status == "succeeded" and balances("stripe")[1] == 0

    deliver_all(client, control(fake, f"refunds/{given.reference}/fail"))

    given.refresh_from_db()
    assert given.status == "failed" and balances("stripe")[1] == -100 and balanced()
    assert PaymentFlag.objects.filter(kind=PaymentFlag.Kind.REFUND_FAILED, attempt=attempt).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = suspense_refund(attempt=attempt, actor=finance)
    again.refresh_from_db()
    assert (again.pk, again.status, again.tries) == (given.pk, "succeeded", 2) and balances("stripe")[1] == 0
