"""Invoices: one PDF per paid order, with its lines, fee and tax, in any script; issued
and emailed once; downloadable by the buyer and the store only."""

import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from pypdf import PdfReader

from shop.orders.models import Order
from shop.orders.services.checkout import checkout_place
from shop.payments.invoices import services as invoices
from shop.payments.invoices.documents import invoice_render, tax_included
from shop.payments.invoices.services import invoice_issue
from shop.payments.models import Invoice
from shop.payments.services import attempt_create, attempt_succeeded
from tests.checkout.conftest import details_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Invoices are written under the test's own folder, not the site's private media."""
    settings.SOKO_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    return tmp_path / "private"


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


@pytest.fixture
def cash_order(buyer, cart):
    """Ordered from Kisii Weavers to be paid in cash at the door."""
    details = details_for(buyer, payment_method="cod")
    checkout = checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())
    return checkout.orders.get(store__slug="kisii-weavers")


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


def test_a_guinean_invoice_has_no_decimals(settings, order):
    settings.SOKO_INVOICE_TAX = "VAT:16"
    order.currency, order.items_total, order.delivery_fee, order.total, order.fee = (
        "GNF",
        Decimal("100000"),
        Decimal("16000"),
        Decimal("116000"),
        Decimal("2500"),
    )
    order.items.update(unit_price=Decimal("50000"), line_total=Decimal("100000"))
    text = text_of(invoice_render(order))
    for expected in ("GNF 50,000", "GNF 116,000", "Of which VAT 16 %: GNF 16,000", "GNF 2,500"):
        assert expected in text, expected
    assert "GNF 16,000.00" not in text


def test_a_long_product_name_wraps_inside_its_column(order):
    item = order.items.get()
    # As long as a title may be (120 characters).
    item.product_title = ("Kikapu cha ukili kilichofumwa kwa mkono na wanawake wa Kisii, rangi ya asili " * 2)[:120]
    item.save()
    pdf = invoice_render(order)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "KES 2,401" in text_of(pdf)


def test_issued_and_emailed_once(order):
    first, second = invoice_issue(order.pk), invoice_issue(order.pk)
    assert first.pk == second.pk and Invoice.objects.count() == 1 and first.pdf and first.emailed_at
    sent = [message for message in mail.outbox if order.number in message.subject]
    assert len(sent) == 1 and sent[0].attachments[0][0] == f"INV-{order.number}.pdf"


def test_no_invoice_for_an_unpaid_order(placed):
    assert invoice_issue(placed.orders.first().pk) is None and not Invoice.objects.exists()


def test_a_cash_order_is_invoiced_once_delivered(cash_order):
    assert invoice_issue(cash_order.pk) is None
    Order.objects.filter(pk=cash_order.pk).update(delivered_at=cash_order.created_at)
    invoice = invoice_issue(cash_order.pk)
    assert invoice.number == f"INV-{cash_order.number}" and invoice.pdf and invoice.emailed_at
    with invoice.pdf.open("rb") as file:
        assert "(Paid)" in text_of(file.read())


def test_a_run_after_a_crash_renders_the_missing_pdf(order):
    # The row was written, then the worker died before storing the file.
    Invoice.objects.create(order=order, number=f"INV-{order.number}")
    invoice = invoice_issue(order.pk)
    with invoice.pdf.open("rb") as file:
        assert file.read().startswith(b"%PDF")
    assert len([message for message in mail.outbox if order.number in message.subject]) == 1


def test_a_run_that_loses_the_race_keeps_the_first_file(order, monkeypatch, private_files):
    real_render, renders = invoices.invoice_render, []

    def render_while_another_run_finishes(rendered):
        renders.append(rendered)
        if len(renders) == 1:
            invoice_issue(rendered.pk)
        return real_render(rendered)

    monkeypatch.setattr(invoices, "invoice_render", render_while_another_run_finishes)
    invoice = invoice_issue(order.pk)
    assert len(renders) == 2 and Invoice.objects.count() == 1
    assert [path.name for path in Path(private_files, "invoices").iterdir()] == [Path(invoice.pdf.name).name]
    assert len([message for message in mail.outbox if order.number in message.subject]) == 1


def test_only_the_buyer_and_the_store_download_it(order, client):
    url = f"/orders/{order.number}/invoice.pdf"
    client.force_login(order.buyer)
    assert client.get(url).status_code == 404  # not issued yet
    assert b'data-testid="invoice-link"' not in client.get(f"/orders/{order.number}/").content
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
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 200
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    answer = client.get(url)
    assert answer.status_code == 302 and "/login/" in answer["Location"]
