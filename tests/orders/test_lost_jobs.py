"""A store's share whose transfer job was lost (a queue that restarted empty, a worker
killed while it held the job) still reaches the store: the release sweep sends the
transfers that did not go out, once."""

# ruff: noqa: F811  (the fixture imported below is the test's argument)

import pytest

from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from shop.orders.services.payment_flow import funds_release_due
from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.models import ConnectedAccount, LedgerTransaction, Payout
from tests.factories import StoreFactory
from tests.payments.test_provider_calls_after_commit import _asked, _paid_by_card, fake  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_transfer_whose_job_was_lost_is_made(fake, jobs_lost, django_capture_on_commit_callbacks):
    store = StoreFactory()
    account = fake.engine.account_create({"type": "express"})
    fake.engine.account_onboard(account["id"])
    ConnectedAccount.objects.create(store=store, account_id=account["id"], details_submitted=True, payouts_enabled=True)
    order = _paid_by_card(fake, store=store)

    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.COMPLETED, actor=order.buyer, role=Role.BUYER)

    assert "orders.order_transfer" in lost
    order.refresh_from_db()
    assert order.funds_released_at is not None
    assert not Payout.objects.exists() and _asked(fake, "/v1/transfers") == 0
    owed = -ledger.balance(accounts.store_payable(store.pk), "KES", order=order)
    assert owed > 0

    funds_release_due()
    funds_release_due()

    payout = Payout.objects.get(order=order)
    assert payout.status == Payout.Status.PAID and payout.reference.startswith("tr_")
    assert payout.amount_minor == owed
    assert _asked(fake, "/v1/transfers") == 1
    assert LedgerTransaction.objects.filter(kind="transfer", order=order).count() == 1
    assert ledger.balance(accounts.store_payable(store.pk), "KES", order=order) == 0
