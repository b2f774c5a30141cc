"""Invoices: one PDF per paid order, with its lines, fee and tax, in any script; issued
and emailed once; downloadable by the buyer and the store only."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from shop.orders.models import Order
from shop.payments.invoices import invoice_issue, invoice_render, tax_included
from shop.payments.models import Invoice
from shop.payments.services import attempt_create, attempt_succeeded
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def pay(checkout):
    attempt = attempt_create(checkout=checkout, gateway="card", provider="dev")
    attempt_succeeded(
        attempt_id=attempt.pk, received_minor=attempt.amount_minor, currency="KES", payment_reference=f"pi_{attempt.pk}"
    )


@pytest.fixture
def order(placed):
    pay(placed)
    return Order.objects.select_related("checkout", "store", "buyer").get(checkout=placed, delivery_mode="delivery")


def test_the_invoice_shows_the_order_its_lines_and_the_fee(order):
    pdf = invoice_render(order)
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for expected in (f"INV-{order.number}", "Kiondo basket", "Kisii Weavers", "KES 2,601", "KES 1,200.50", "KES 60.03"):
        assert expected in text, expected


def test_urdu_and_french_names_render(order):
    item = order.items.get()
    item.product_title = "ٹوکری کی ٹوپی · Panier tressé"
    item.save()
    text = text_of(invoice_render(order))
    assert "Panier tressé" in text and "ٹوکری" in text.replace("\u200c", "")


def test_the_tax_line_is_included_in_the_total(settings, order):
    settings.SOKO_INVOICE_TAX = "VAT:16"
    assert tax_included(Decimal("1160"), "KES") == ("VAT", Decimal("16"), Decimal("160.00"))
    assert tax_included(Decimal("116000"), "GNF") == ("VAT", Decimal("16"), Decimal("16000"))
    assert "Of which VAT 16 %" in text_of(invoice_render(order))


def test_issued_and_emailed_once(order):
    first, second = invoice_issue(order.pk), invoice_issue(order.pk)
    assert first.pk == second.pk and Invoice.objects.count() == 1 and first.pdf and first.emailed_at
    sent = [message for message in mail.outbox if order.number in message.subject]
    assert len(sent) == 1 and sent[0].attachments[0][0] == f"INV-{order.number}.pdf"


def test_no_invoice_for_an_unpaid_order(placed):
    assert invoice_issue(placed.orders.first().pk) is None and not Invoice.objects.exists()


def test_only_the_buyer_and_the_store_download_it(order, client):
    url = f"/orders/{order.number}/invoice.pdf"
    client.force_login(order.buyer)
    assert client.get(url).status_code == 404  # not issued yet
    invoice_issue(order.pk)
    answer = client.get(url)
    assert (
        answer.status_code == 200
        and answer["Content-Type"] == "application/pdf"
        and "no-store" in answer["Cache-Control"]
    )
    assert b"".join(answer.streaming_content).startswith(b"%PDF")
    assert b'data-testid="invoice-link"' in client.get(f"/orders/{order.number}/").content
    client.force_login(order.store.memberships.get(role="owner").user)
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
