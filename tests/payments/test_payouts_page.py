"""The store's payouts page: held, then due, then paid out, each line from the ledger; the
owner connects a Stripe account (through the development gateway's onboarding page)."""

import html
import re

import pytest
from django.utils import timezone

from shop.orders.models import Order, OrderStatus
from shop.orders.services.orders import order_transition
from shop.payments.models import ConnectedAccount, Payout
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import StoreFactory, UserFactory

pytestmark = pytest.mark.django_db

S = OrderStatus


def owner_of(store):
    return store.memberships.get(role="owner").user


def pay(checkout):
    attempt = attempt_create(checkout=checkout, gateway="card", provider="dev")
    attempt_succeeded(
        attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=f"pi_{attempt.pk}"
    )


def test_the_page_shows_the_held_share_with_its_line(placed, weavers, client):
    pay(placed)
    client.force_login(owner_of(weavers))

    page = client.get("/dashboard/payouts/")

    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="payout-held">KES 2,540.97' in text  # 2,601.00 less the 2.5 % fee on 2,401.00
    assert 'data-kind="capture"' in text and "Soko fee KES 60.03" in text


def test_other_people_cannot_see_a_stores_money(placed, weavers, client):
    assert client.get("/dashboard/payouts/").status_code == 302  # to log in
    client.force_login(owner_of(StoreFactory()))
    page = client.get("/dashboard/payouts/")
    assert page.status_code == 200 and "2,540.97" not in page.content.decode()  # their own store's page


def test_the_page_reads_a_constant_number_of_queries(
    placed, weavers, client, django_assert_max_num_queries, buyer, django_capture_on_commit_callbacks
):
    pay(placed)
    client.force_login(owner_of(weavers))
    client.get("/dashboard/payouts/")
    with django_assert_max_num_queries(20) as few:
        client.get("/dashboard/payouts/")
    staff = UserFactory(is_staff=True)
    order = Order.objects.get(checkout=placed, store=weavers)
    for to in (S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="test")
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.COMPLETED, actor=buyer, role="buyer")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/dashboard/payouts/")
    assert page.content.decode().count('data-testid="payout-line"') == 2


def test_the_owner_connects_a_stripe_account_and_the_next_payout_is_transferred(
    placed, weavers, buyer, client, django_capture_on_commit_callbacks
):
    owner = owner_of(weavers)
    client.force_login(owner)
    started = client.post("/dashboard/payouts/connect/")
    # A page of ours that goes on to Stripe's (a redirect answering the POST would be refused).
    onboarding_url = html.unescape(re.search(r'href="([^"]+)" data-testid="provider-go-link"', started.content.decode())[1])
    assert started.status_code == 200 and onboarding_url.startswith("/payments/dev/connect/acct_")
    assert f'content="0; url={onboarding_url}"' in html.unescape(started.content.decode())
    account = ConnectedAccount.objects.get(store=weavers)
    assert not account.payouts_enabled
    onboarding = client.get(onboarding_url)
    assert onboarding.status_code == 200 and b"Complete onboarding" in onboarding.content

    back = client.post(onboarding_url)
    assert back.status_code == 302 and back["Location"].endswith("/dashboard/payouts/connect/return/")
    assert client.get(back["Location"]).status_code == 302
    account.refresh_from_db()
    assert account.payouts_enabled and account.details_submitted

    pay(placed)
    staff = UserFactory(is_staff=True)
    order = Order.objects.get(checkout=placed, store=weavers)
    for to in (S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED):
        order = order_transition(order=order, to=to, actor=staff, role="staff", note="test")
    assert 'data-testid="payout-held">KES 2,540.97' in client.get("/dashboard/payouts/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=S.COMPLETED, actor=buyer, role="buyer")

    payout = Payout.objects.get(order=order)
    assert (payout.status, payout.amount_minor, payout.reference[:3]) == ("paid", 254097, "tr_")
    text = client.get("/dashboard/payouts/").content.decode()
    assert 'data-testid="payout-paid">KES 2,540.97' in text and 'data-kind="transfer"' in text
    assert order.checkout.orders.get(store=weavers).funds_released_at <= timezone.now()


def test_staff_of_a_store_cannot_connect_it(placed, weavers, client):
    from sellers.models import StoreMember

    member = UserFactory()
    StoreMember.objects.create(store=weavers, user=member, role=StoreMember.Role.STAFF)
    client.force_login(member)
    assert client.post("/dashboard/payouts/connect/").status_code == 302
    assert not ConnectedAccount.objects.exists()


def test_cash_lines_say_who_took_the_cash(client):
    """Cash taken at the door is the store's to keep only when the store delivered: cash a
    courier took is handed in by the courier, and the store's share of it is due to it."""
    from shop.payments.payouts.services import order_cash_collected
    from tests.factories.orders import OrderFactory

    store_kept = OrderFactory(status=S.OUT_FOR_DELIVERY)
    by_courier = OrderFactory(status=S.OUT_FOR_DELIVERY, store=store_kept.store)
    order_cash_collected(store_kept)
    order_cash_collected(by_courier, courier_id=UserFactory().pk)
    client.force_login(owner_of(store_kept.store))

    text = html.unescape(client.get("/dashboard/payouts/").content.decode())

    rows = [row.split("</tr>", 1)[0] for row in text.split('data-testid="payout-line"')[1:]]
    lines = {number: row for row in rows for number in re.findall(r"SK-[\w-]+", row)}
    assert "you kept the cash" in lines[store_kept.number] and "courier" not in lines[store_kept.number]
    assert "the courier took the cash and hands it in" in lines[by_courier.number]
    assert "you kept the cash" not in lines[by_courier.number]
