"""Refunds where people look: after a return is refunded, the buyer's order page and the
store's order page show the refund (amount, state, date) and what the order cost after it;
the store's page lists the order's returns; a refund has a credit note PDF, emailed to the
buyer and readable only by those who may read the invoice; the payouts page shows money
that left as negative."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from returns import services as return_services
from returns.services import return_approve, return_receive, return_request_create
from shop.core.templatetags.money import money_plain
from shop.payments import models as payment_models
from shop.payments.invoices import services as invoices
from shop.payments.models import Refund
from shop.payments.refunds.services import refund_order
from tests.factories import StoreFactory, UserFactory
from tests.html import dom

from .conftest import delivered_order, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


def refunded_by_return(order, django_capture_on_commit_callbacks):
    """The whole first line returned, received, accepted and refunded (credit note jobs run)."""
    item = order.items.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        request = return_request_create(
            order=order, buyer=order.buyer, lines={item.pk: item.quantity}, reason="damaged"
        )
        request = return_approve(request=request, actor=member(order), method="drop_off")
        request = return_receive(request=request, actor=member(order))
    with django_capture_on_commit_callbacks(execute=True):
        return return_services.return_accept(request=request, actor=member(order))


def refunded(order, django_capture_on_commit_callbacks):
    """The whole first line refunded by Soko (the provider is asked and the credit note
    issued after commit)."""
    item = order.items.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_order(order=order, lines={item.pk: item.quantity}, reason="Damaged", key=f"test:{order.pk}")
    refund.refresh_from_db()
    return refund


@pytest.fixture
def phone_order(db):
    """One KES 6,500 phone with KES 200 delivery, paid by card and delivered: KES 6,700."""
    return delivered_order(method="card", units=(1,), prices=("6500.00",), fee="200.00")


def test_the_buyers_order_page_shows_the_refund_and_the_net_paid(
    client, phone_order, django_capture_on_commit_callbacks
):
    refund = refunded(phone_order, django_capture_on_commit_callbacks)
    client.force_login(phone_order.buyer)

    page = client.get(f"/orders/{phone_order.number}/").content.decode()

    shown = dom(page).one("[data-testid=order-refund]")
    assert shown.attr("data-state") == "succeeded"
    assert shown.one("[data-testid=refund-amount]").text == "−KES 6,500"
    assert refund.created_at.strftime("%-d %b %Y") in shown.text
    assert dom(page).one("[data-testid=net-paid]").text == "KES 200"
    assert "Refunded KES 6,500 · paid KES 200" in page


def test_the_stores_order_page_shows_the_refund_and_links_the_return(
    client, phone_order, django_capture_on_commit_callbacks
):
    request = refunded_by_return(phone_order, django_capture_on_commit_callbacks)
    client.force_login(member(phone_order))

    page = client.get(f"/dashboard/orders/{phone_order.number}/").content.decode()

    assert dom(page).has(f'[data-testid=store-order-returns] a[href="/dashboard/returns/{request.pk}/"]')
    assert dom(page).one("[data-testid=refund-amount]").text == "−KES 6,500"
    assert dom(page).one("[data-testid=net-paid]").text == "KES 200"


def test_a_partly_refunded_line_says_how_many_of_its_units_on_both_order_pages(client, django_capture_on_commit_callbacks):
    order = delivered_order(method="card", units=(3, 1), prices=("250.00", "100.00"))
    first, second = order.items.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order, lines={first.pk: 1, second.pk: 1}, reason="Damaged", key=f"test:{order.pk}")

    client.force_login(order.buyer)
    buyer_page = dom(client.get(f"/orders/{order.number}/"))
    client.force_login(member(order))
    store_page = dom(client.get(f"/dashboard/orders/{order.number}/"))

    for page in (buyer_page, store_page):
        marks = [mark.text for mark in page.all("[data-testid=order-item] [data-testid=line-refunded]")]
        assert marks == ["1 of 3 refunded", "Refunded"]


def test_the_stores_refund_button_says_the_amount_the_refund_then_is(client, django_capture_on_commit_callbacks):
    order = delivered_order(method="card", units=(3, 1), prices=("250.00", "100.00"))
    item = order.items.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        request = return_request_create(order=order, buyer=order.buyer, lines={item.pk: 2}, reason="damaged")
        request = return_approve(request=request, actor=member(order), method="drop_off")
        request = return_receive(request=request, actor=member(order))
    client.force_login(member(order))

    button = dom(client.get(f"/dashboard/returns/{request.pk}/")).one("[data-testid=accept-refund]").text
    with django_capture_on_commit_callbacks(execute=True):
        return_services.return_accept(request=request, actor=member(order))

    refund = Refund.objects.get(order=order)
    assert button.endswith(money_plain(refund.amount, order.currency)), button
    assert refund.amount == Decimal("500.00")


def test_each_refund_state_is_named(client, phone_order):
    refund = refund_order(order=phone_order, lines={phone_order.items.get().pk: 1}, reason="Test", key="shown")
    client.force_login(phone_order.buyer)
    for status, words in (("pending", "pending"), ("manual", "to refund by hand"), ("failed", "failed")):
        Refund.objects.filter(pk=refund.pk).update(status=status)
        page = client.get(f"/orders/{phone_order.number}/").content.decode()
        shown = dom(page).one("[data-testid=order-refund]")
        assert shown.attr("data-state") == status and shown.one("[data-testid=refund-state]").text == words
    # A failed refund gave nothing back: the order counts as paid in full.
    assert dom(page).one("[data-testid=net-paid]").text == "KES 6,700"


def test_a_refund_gets_a_credit_note_emailed_to_the_buyer(client, phone_order, django_capture_on_commit_callbacks):
    refund = refunded(phone_order, django_capture_on_commit_callbacks)

    note = payment_models.CreditNote.objects.get(refund=refund)
    assert note.number == f"CN-{phone_order.number}-1" and note.pdf and note.emailed_at is not None
    text = " ".join(page.extract_text() for page in PdfReader(note.pdf.open("rb")).pages)
    assert note.number in text and f"INV-{phone_order.number}" in text
    assert "6,500" in text and "Paid after refunds" in text and "200" in text
    sent = [message for message in mail.outbox if note.number in message.body]
    assert len(sent) == 1 and sent[0].to == [phone_order.buyer.email]
    assert "KES 6,500" in sent[0].body and "KES 200" in sent[0].body
    assert sent[0].attachments[0][0] == f"{note.number}.pdf"
    # Issuing again changes nothing.
    emails = len(mail.outbox)
    assert invoices.credit_note_issue(refund.pk) == note and len(mail.outbox) == emails
    assert payment_models.CreditNote.objects.count() == 1

    client.force_login(phone_order.buyer)
    page = client.get(f"/orders/{phone_order.number}/").content.decode()
    url = f"/orders/{phone_order.number}/credit-notes/{note.number}.pdf"
    assert dom(page).one("[data-testid=credit-note-link]").attr("href") == url


def test_the_credit_note_is_served_only_to_the_buyer_and_the_stores_team(
    client, phone_order, django_capture_on_commit_callbacks
):
    refund = refunded(phone_order, django_capture_on_commit_callbacks)
    url = f"/orders/{phone_order.number}/credit-notes/{refund.credit_note.number}.pdf"

    for reader in (phone_order.buyer, member(phone_order)):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    stranger_store = StoreFactory()
    for outsider in (UserFactory(), stranger_store.memberships.get().user):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(phone_order.buyer)
    assert client.get(f"/orders/{phone_order.number}/credit-notes/CN-{phone_order.number}-9.pdf").status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to log in


def test_a_failed_refund_has_no_credit_note(phone_order):
    refund = refund_order(order=phone_order, lines={phone_order.items.get().pk: 1}, reason="Test", key="failing")
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED)
    assert invoices.credit_note_issue(refund.pk) is None and not payment_models.CreditNote.objects.exists()


def _refund_rows(page: str) -> list[str]:
    return re.findall(r'<tr data-testid="payout-line" data-kind="refund">(.*?)</tr>', page, flags=re.S)


@pytest.mark.parametrize("method", ["cod", "card", "mpesa"])
def test_payouts_show_refunds_to_the_buyer_as_money_out(client, method, django_capture_on_commit_callbacks):
    order = delivered_order(method=method, units=(1,), prices=("6500.00",), fee="200.00")
    refunded(order, django_capture_on_commit_callbacks)
    client.force_login(member(order))

    rows = _refund_rows(client.get("/dashboard/payouts/").content.decode())

    assert rows, "the refund has its line"
    for row in rows:
        assert "Refund to the buyer" in row
        out = re.search(r'data-testid="payout-line-out">([^<]*)<', row)
        assert out and out[1] == "−KES 6,500", row
    if method == "cod":
        # The store hands the cash back itself; Soko returns its fee on it, and says so.
        assert "Soko returns its fee" in rows[0] and "+KES 162.50" in rows[0]


@pytest.mark.parametrize(
    ("method", "way"),
    [("card", "to the card"), ("mpesa", "to the M-Pesa number, sent by Soko's staff"), ("cod", "in cash, by the store")],
)
def test_each_refund_says_where_the_money_goes(client, method, way, django_capture_on_commit_callbacks):
    order = delivered_order(method=method, units=(1,), prices=("6500.00",), fee="200.00")
    refunded(order, django_capture_on_commit_callbacks)

    for reader, path in ((order.buyer, f"/orders/{order.number}/"), (member(order), f"/dashboard/orders/{order.number}/")):
        client.force_login(reader)
        shown = dom(client.get(path).content.decode()).one("[data-testid=order-refund]")
        assert shown.one("[data-testid=refund-way]").text == way


def test_the_timeline_keeps_a_card_refund_as_started_not_still_pending(client, phone_order, django_capture_on_commit_callbacks):
    from shop.orders.models import OrderStatus
    from shop.orders.selectors.transitions import Role
    from shop.orders.services.orders import order_transition

    staff = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=phone_order, to=OrderStatus.REFUNDED, actor=staff, role=Role.STAFF, note="Never arrived")
    client.force_login(phone_order.buyer)

    page = client.get(f"/orders/{phone_order.number}/").content.decode()

    assert dom(page).one("[data-testid=order-refund]").attr("data-state") == "succeeded"
    assert "being refunded" not in page.lower()
    assert "Refund of KES 6,700 (" in page and "): started." in page


def test_payouts_say_soko_gives_back_its_fee_on_a_card_refund(client, django_capture_on_commit_callbacks):
    order = delivered_order(method="card", units=(1,), prices=("6500.00",), fee="200.00")
    refunded(order, django_capture_on_commit_callbacks)
    client.force_login(member(order))

    rows = _refund_rows(client.get("/dashboard/payouts/").content.decode())

    # KES 6,500 refunded: the store's share pays KES 6,337.50, Soko gives back its 2.5 % fee.
    assert any("Soko gives back its fee on it (KES 162.50)" in row for row in rows), rows


def test_the_stores_refunded_return_links_its_credit_note_and_prices_each(client, django_capture_on_commit_callbacks):
    order = delivered_order(method="card", units=(2,), prices=("450.00",), fee="200.00")
    request = refunded_by_return(order, django_capture_on_commit_callbacks)
    client.force_login(member(order))

    page = dom(client.get(f"/dashboard/returns/{request.pk}/").content.decode())

    link = page.one("[data-testid=store-credit-note-link]")
    assert client.get(link.attr("href")).status_code == 200
    assert "KES 450 each" in page.one("[data-testid=return-lines]").text
