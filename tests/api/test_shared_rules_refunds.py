"""Refunds follow one rule whether the buyer uses the pages or an app: cancelling a paid
order through the order page and through the API leaves the same refund, the same ledger
entries and the same order state; a cancel or a return the rules refuse (too late, past
the store's window, more units than bought) is refused with the same words and the same
code, and changes nothing."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

import returns.views as return_pages
import shop.orders.views as order_pages
from returns.models import ReturnRequest
from returns.services import ReturnError, return_request_create
from shop.orders.models import Order, OrderStatus
from shop.payments.models import LedgerEntry, PaymentStatus, Refund
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import CheckoutFactory, OrderFactory
from tests.factories.payments import dev_card_pay
from tests.html import told
from tests.returns.conftest import delivered_order

from .conftest import bearer, post, sign_in, verified

pytestmark = pytest.mark.django_db
S = OrderStatus


@pytest.fixture
def buyer(db):
    return verified(UserFactory())


@pytest.fixture
def page(buyer):
    browser = Client()
    browser.force_login(buyer)
    return browser


@pytest.fixture
def app(buyer):
    phone = Client()
    phone.headers = bearer(sign_in(phone, buyer)["access_token"])
    return phone


def api_post(app, url: str, data: dict):
    return post(app, url, data, **app.headers, **{"Idempotency-Key": str(uuid.uuid4())})


def spy(monkeypatch, module, name: str, error_class) -> list:
    """Record the refusal the page's own call to ``name`` raised (its code)."""
    raised, real = [], getattr(module, name)

    def call(**kwargs):
        try:
            return real(**kwargs)
        except error_class as error:
            raised.append(error)
            raise

    monkeypatch.setattr(module, name, call)
    return raised


def paid_order(*, store, buyer) -> Order:
    """KES 650 (2 × 250 and 150 delivery), paid by card, not yet confirmed by the store."""
    checkout = CheckoutFactory(
        buyer=buyer,
        payment_method="card",
        payment_status=PaymentStatus.AWAITING,
        payment_due_by=timezone.now() + timedelta(minutes=30),
    )
    order = OrderFactory(checkout=checkout, buyer=buyer, store=store, delivery_fee=Decimal("150.00"))
    checkout.refresh_from_db()
    dev_card_pay(checkout)
    return Order.objects.get(pk=order.pk)


def outcome(order: Order) -> dict:
    """What a cancellation left behind, without the ids that differ between two orders."""
    order.refresh_from_db()
    refunds = Refund.objects.filter(order=order)
    entries = LedgerEntry.objects.filter(order=order).select_related("account", "transaction")
    return {
        "status": order.status,
        "refunds": sorted(
            (r.amount_minor, r.fee_minor, r.provider, r.status, r.reason.replace(order.number, "N")) for r in refunds
        ),
        "ledger": sorted((e.transaction.kind, e.account.code, e.amount_minor) for e in entries),
        "timeline": [(e.from_status, e.to_status, e.note.replace(order.number, "N")) for e in order.events.all()],
    }


def test_cancelling_a_paid_order_refunds_the_same_through_the_page_and_the_api(
    buyer, page, app, django_capture_on_commit_callbacks
):
    store = StoreFactory()
    by_page, by_app = paid_order(store=store, buyer=buyer), paid_order(store=store, buyer=buyer)

    with django_capture_on_commit_callbacks(execute=True):
        page.post(f"/orders/{by_page.number}/cancel/", {"reason": "Ordered twice"})
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_post(app, f"/api/v1/orders/{by_app.number}/cancel/", {"reason": "Ordered twice"})

    assert answer.status_code == 200
    assert outcome(by_page) == outcome(by_app)
    assert outcome(by_app)["status"] == S.CANCELLED
    assert outcome(by_app)["refunds"] == [
        (65000, outcome(by_app)["refunds"][0][1], "dev", "succeeded", "Order N cancelled: Ordered twice")
    ]
    assert answer.json()["refunds"][0]["amount"] == "650.00" and answer.json()["net_paid"] == "0.00"


def test_a_cancel_too_late_is_refused_in_the_same_words_with_the_same_code(buyer, page, app, monkeypatch):
    store = StoreFactory()
    by_page, by_app = (OrderFactory(store=store, buyer=buyer, status=S.PREPARING) for _ in range(2))
    raised = spy(monkeypatch, order_pages, "order_transition", order_pages.TransitionError)

    on_page = told(page.post(f"/orders/{by_page.number}/cancel/"))
    answer = api_post(app, f"/api/v1/orders/{by_app.number}/cancel/", {})

    assert answer.status_code == 409
    assert answer.json()["code"] == raised[0].code == "too_late_to_cancel"
    assert [answer.json()["detail"].replace(by_app.number, "N")] == [m.replace(by_page.number, "N") for m in on_page]
    assert set(Order.objects.filter(pk__in=[by_page.pk, by_app.pk]).values_list("status", flat=True)) == {S.PREPARING}


def test_a_return_past_the_stores_window_is_refused_in_the_same_words(buyer, page, app):
    store = StoreFactory()
    by_page, by_app = (delivered_order(store=store, buyer=buyer, units=(1,), prices=("250.00",)) for _ in range(2))
    days = store.return_window_days
    Order.objects.filter(pk__in=[by_page.pk, by_app.pk]).update(
        delivered_at=timezone.now() - timedelta(days=days, hours=1)
    )
    with pytest.raises(ReturnError) as service:
        return_request_create(
            order=Order.objects.get(pk=by_app.pk), buyer=buyer, lines={by_app.items.get().pk: 1}, reason="damaged"
        )

    line = by_page.items.get()
    on_page = told(page.post(f"/returns/new/{by_page.number}/", {"reason": "damaged", f"qty-{line.pk}": "1"}))
    answer = api_post(
        app,
        f"/api/v1/orders/{by_app.number}/returns/",
        {"lines": [{"item": by_app.items.get().pk, "quantity": 1}], "reason": "damaged"},
    )

    assert answer.status_code == 409 and answer.json()["code"] == service.value.code == "return_window_closed"
    assert on_page == [answer.json()["detail"]] == [str(service.value)]
    assert not ReturnRequest.objects.exists()


def test_returning_more_units_than_bought_is_refused_in_the_same_words_with_the_same_code(
    buyer, page, app, monkeypatch
):
    store = StoreFactory()
    by_page, by_app = (delivered_order(store=store, buyer=buyer, units=(2,), prices=("250.00",)) for _ in range(2))
    raised = spy(monkeypatch, return_pages, "return_request_create", ReturnError)

    line = by_page.items.get()
    on_page = page.post(f"/returns/new/{by_page.number}/", {"reason": "changed_mind", f"qty-{line.pk}": "3"})
    answer = api_post(
        app,
        f"/api/v1/orders/{by_app.number}/returns/",
        {"lines": [{"item": by_app.items.get().pk, "quantity": 3}], "reason": "changed_mind"},
    )

    assert on_page.status_code == 422 and answer.status_code == 409
    assert answer.json()["code"] == raised[0].code == "too_many_units"
    page_words = [error.replace(line.product_title, "P") for error in on_page.context["form"].non_field_errors()]
    assert page_words == [answer.json()["detail"].replace(by_app.items.get().product_title, "P")]
    assert "at most 2" in answer.json()["detail"]
    assert not ReturnRequest.objects.exists() and not Refund.objects.exists()
