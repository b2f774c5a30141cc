"""PDF invoices: one per paid order (or cash order once delivered), rendered once, kept in
private storage, emailed to the buyer once, downloadable by the buyer and the store.

The PDF embeds DejaVu Sans, with Noto Sans Arabic as the fallback for Urdu and Arabic
names, shaped by HarfBuzz so their letters join (fonts and licences in ``fonts/``).
``invoice_issue`` is safe to run twice or concurrently: the row, the file and the email
each happen once, and a run after a crash finishes what the first left undone.
"""

from __future__ import annotations

import logging
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF

from shop.core.currencies import currency_places
from shop.core.i18n import speaking_to
from shop.core.jobs import job_enqueue_on_commit
from shop.core.mail import PermanentMailError, mail_send
from shop.core.money import money_format

from .gateways import gateway_get
from .models import Invoice, PaymentStatus

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"


def invoice_due(order) -> bool:
    """Paid online, or paid in cash at the door."""
    status = order.checkout.payment_status
    return status == PaymentStatus.PAID or (status == PaymentStatus.ON_DELIVERY and order.delivered_at is not None)


def tax_included(total: Decimal, currency: str) -> tuple[str, Decimal, Decimal] | None:
    """(name, rate, amount) of the tax included in ``total`` (``SOKO_INVOICE_TAX`` "VAT:16"), if any."""
    name, _sep, rate = (settings.SOKO_INVOICE_TAX or "").partition(":")
    if not name or not rate:
        return None
    rate = Decimal(rate)
    step = Decimal(1).scaleb(-currency_places(currency))
    return name, rate, (total * rate / (100 + rate)).quantize(step, rounding=ROUND_HALF_UP)


class _Pdf(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.add_font("NotoArabic", "", str(FONTS / "NotoSansArabic-Regular.ttf"))
        self.set_fallback_fonts(["NotoArabic"], exact_match=False)
        self.set_text_shaping(True)
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 18, 18)


def invoice_render(order) -> bytes:
    """The invoice of ``order`` as PDF bytes, in the buyer's language."""
    checkout, currency = order.checkout, order.currency
    with speaking_to(order.buyer):
        pdf = _Pdf()
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 18)
        pdf.cell(0, 10, settings.SOKO_SITE_NAME, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        paid_on = checkout.paid_at or order.delivered_at or timezone.now()
        pdf.cell(0, 6, _("Invoice %(number)s") % {"number": invoice_number(order)}, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(
            0,
            6,
            _("Order %(number)s · %(date)s")
            % {"number": order.number, "date": date_format(timezone.localtime(paid_on), "j F Y")},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(4)
        top = pdf.get_y()
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(85, 6, _("Sold by"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            85,
            5,
            "\n".join(
                filter(
                    None, [order.store.name, getattr(order.store, "area_label", ""), getattr(order.store, "phone", "")]
                )
            ),
        )
        pdf.set_xy(110, top)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(0, 6, _("Billed to"), new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            0, 5, "\n".join(filter(None, [checkout.recipient, checkout.phone, checkout.street, checkout.area_label]))
        )
        pdf.set_y(max(pdf.get_y(), top + 30) + 4)

        widths = (96, 16, 30, 32)
        pdf.set_font("DejaVu", "B", 10)
        for width, title, align in zip(
            widths, (_("Item"), _("Qty"), _("Unit price"), _("Amount")), "LRRR", strict=True
        ):
            pdf.cell(width, 7, title, border="B", align=align)
        pdf.ln()
        pdf.set_font("DejaVu", "", 10)
        for item in order.items.all():
            name = f"{item.product_title} — {item.variant_name}" if item.variant_name else item.product_title
            pdf.cell(widths[0], 7, name[:70])
            pdf.cell(widths[1], 7, str(item.quantity), align="R")
            pdf.cell(widths[2], 7, money_format(item.unit_price, currency), align="R")
            pdf.cell(widths[3], 7, money_format(item.line_total, currency), align="R", new_x="LMARGIN", new_y="NEXT")
        rows = [(_("Items"), order.items_total), (_("Delivery"), order.delivery_fee)]
        pdf.ln(2)
        for label, amount in rows:
            pdf.cell(sum(widths[:3]), 6, label, align="R")
            pdf.cell(widths[3], 6, money_format(amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(sum(widths[:3]), 8, _("Total (%(currency)s)") % {"currency": currency}, align="R")
        pdf.cell(widths[3], 8, money_format(order.total, currency), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        tax = tax_included(order.total, currency)
        if tax:
            name, rate, amount = tax
            pdf.cell(
                0,
                5,
                _("Of which %(tax)s %(rate)s %%: %(amount)s")
                % {"tax": name, "rate": rate, "amount": money_format(amount, currency)},
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.ln(4)
        gateway = gateway_get(checkout.payment_method)
        status = dict(PaymentStatus.choices).get(checkout.payment_status, "")
        method = gateway.label if gateway else checkout.payment_method
        pdf.multi_cell(
            0,
            5,
            _("Payment: %(method)s (%(status)s).") % {"method": method, "status": status},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if order.fee:
            fee = money_format(order.fee, currency)
            pdf.multi_cell(
                0,
                5,
                _("%(site)s's fee of %(fee)s is paid by the store out of this total.")
                % {"site": settings.SOKO_SITE_NAME, "fee": fee},
                new_x="LMARGIN",
                new_y="NEXT",
            )
        return bytes(pdf.output())


def invoice_number(order) -> str:
    return f"INV-{order.number}"


def invoice_issue(order_id: int) -> Invoice | None:
    """Issue the order's invoice once: the row, its PDF, the email to the buyer. ``None``
    when the order is not paid (yet)."""
    order_model = Invoice._meta.get_field("order").related_model
    order = order_model.objects.select_related("checkout", "store", "buyer").filter(pk=order_id).first()
    if order is None or not invoice_due(order):
        return None
    try:
        with transaction.atomic():
            invoice, _created = Invoice.objects.get_or_create(order=order, defaults={"number": invoice_number(order)})
    except IntegrityError:
        invoice = Invoice.objects.get(order=order)
    if not invoice.pdf:
        invoice.pdf.save(f"{invoice.number}.pdf", ContentFile(invoice_render(order)), save=False)
        Invoice.objects.filter(pk=invoice.pk, pdf="").update(pdf=invoice.pdf.name)
        invoice.refresh_from_db()
    # Claim the email first (a conditional update), so two runs never both send it.
    claimed = (
        invoice.emailed_at is None
        and order.buyer.email
        and Invoice.objects.filter(pk=invoice.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    )
    if claimed:
        try:
            _email(order, invoice)
        except PermanentMailError:
            log.warning("invoice %s could not be emailed", invoice.number)
        except Exception:
            Invoice.objects.filter(pk=invoice.pk).update(emailed_at=None)
            raise
    invoice.refresh_from_db()
    return invoice


def _email(order, invoice: Invoice) -> None:
    with speaking_to(order.buyer):
        subject = _("Your invoice for order %(number)s") % {"number": order.number}
        body = _(
            "Hello %(name)s,\n\nYour invoice %(invoice)s for order %(number)s from %(store)s is attached.\n\n%(site)s"
        ) % {
            "name": order.checkout.recipient,
            "invoice": invoice.number,
            "number": order.number,
            "store": order.store.name,
            "site": settings.SOKO_SITE_NAME,
        }
    with invoice.pdf.open("rb") as file:
        content = file.read()
    mail_send(
        subject=subject,
        body=body,
        to=[order.buyer.email],
        attachments=[(f"{invoice.number}.pdf", content, "application/pdf")],
    )


def invoice_issue_later(order_id: int) -> None:
    """Issue the invoice in the background once the current transaction commits."""
    job_enqueue_on_commit("payments.invoice_issue", order_id)
