"""The PDFs of invoices and credit notes, in the buyer's language.

The PDF embeds DejaVu Sans, with Noto Sans Arabic as the fallback for Urdu and Arabic
names, shaped by HarfBuzz so their letters join (fonts and licences in ``fonts/``).
"""

from __future__ import annotations

from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from shop.core.selectors.currencies import currency_places
from shop.core.selectors.i18n import speaking_to
from shop.core.selectors.money import money_format

from ..gateways import gateway_get
from ..models import PaymentStatus, Refund

if TYPE_CHECKING:
    from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "fonts"
# Relative widths of the lines table: item, quantity, unit price, amount.
COLUMNS = (96, 16, 30, 32)
MUTED, RULE, HEADING_FILL = (90, 90, 90), (190, 190, 190), (240, 240, 240)


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


@contextmanager
def _language_direction(pdf: FPDF):
    """Text written inside reads in the active language's direction: an Urdu sentence that
    opens with a Latin name ("Soko کی فیس …") still reads right to left. Names, phones and
    addresses stay outside, where each line finds its own direction."""
    if translation.get_language_bidi():
        pdf.set_text_shaping(True, direction="rtl")
    try:
        yield "R" if translation.get_language_bidi() else "L"
    finally:
        pdf.set_text_shaping(True)


def _fpdf():
    """The fpdf module, imported by the process that renders a document (the worker):
    fpdf imports numpy, which no web worker that only enqueues an invoice should load."""
    import fpdf

    return fpdf


def _new_pdf() -> FPDF:
    pdf = _fpdf().FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_font("NotoArabic", "", str(FONTS / "NotoSansArabic-Regular.ttf"))
    pdf.set_fallback_fonts(["NotoArabic"], exact_match=False)
    pdf.set_text_shaping(True)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_margins(18, 18, 18)
    return pdf


def invoice_number(order) -> str:
    return f"INV-{order.number}"


def invoice_render(order) -> bytes:
    """The invoice of ``order`` as PDF bytes, in the buyer's language."""
    with speaking_to(order.buyer):
        pdf = _new_pdf()
        pdf.add_page()
        _render_heading(pdf, order)
        _render_parties(pdf, order)
        _render_lines(pdf, order)
        _render_totals(pdf, order)
        _render_notes(pdf, order)
        _render_refunds(pdf, order)
        return bytes(pdf.output())


def _render_heading(pdf: FPDF, order) -> None:
    paid_on = order.checkout.paid_at or order.delivered_at or timezone.now()
    top = pdf.get_y()
    pdf.set_font("DejaVu", "B", 20)
    pdf.cell(0, 10, settings.SOKO_SITE_NAME)
    pdf.set_xy(pdf.l_margin, top)
    with _language_direction(pdf):
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(
            0, 8, _("Invoice %(number)s") % {"number": invoice_number(order)}, align="R", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font("DejaVu", "", 10)
        pdf.set_text_color(*MUTED)
        pdf.cell(
            0,
            6,
            _("Order %(number)s · %(date)s")
            % {"number": order.number, "date": date_format(timezone.localtime(paid_on), "j F Y")},
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.set_text_color(0)
    pdf.ln(2)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(6)


def _render_parties(pdf: FPDF, order) -> None:
    store, checkout = order.store, order.checkout
    half = pdf.epw / 2
    top = pdf.get_y()
    columns = (
        (_("Sold by"), [store.name, store.area_label, store.phone, store.email]),
        (_("Billed to"), [checkout.recipient, checkout.phone, checkout.street, checkout.area_label]),
    )
    bottom = top
    for index, (title, lines) in enumerate(columns):
        pdf.set_xy(pdf.l_margin + index * half, top)
        pdf.set_font("DejaVu", "B", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(half - 4, 6, title.upper(), new_x="LEFT", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(half - 4, 5, "\n".join(filter(None, lines)), new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 8)


def _lines_table(pdf: FPDF):
    """The table of an invoice's or a credit note's lines: item, quantity, unit price, amount."""
    pdf.set_font("DejaVu", "", 10)
    return pdf.table(
        col_widths=COLUMNS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=_fpdf().FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=5.5,
        padding=(1.5, 1.5),
        v_align="TOP",
    )


def _render_lines(pdf: FPDF, order) -> None:
    currency = order.currency
    pdf.set_draw_color(*RULE)
    with _lines_table(pdf) as table:
        table.row((_("Item"), _("Qty"), _("Unit price"), _("Amount")))
        for item in order.items.all():
            name = "\n".join(filter(None, [item.product_title, item.variant_name]))
            table.row(
                (
                    name,
                    str(item.quantity),
                    money_format(item.unit_price, currency),
                    money_format(item.line_total, currency),
                )
            )
    pdf.ln(3)


def _render_totals(pdf: FPDF, order) -> None:
    currency = order.currency
    label_width = pdf.epw * sum(COLUMNS[:3]) / sum(COLUMNS)
    amount_width = pdf.epw - label_width
    pdf.set_font("DejaVu", "", 10)
    for label, amount in ((_("Items"), order.items_total), (_("Delivery"), order.delivery_fee)):
        pdf.cell(label_width, 6, label, align="R")
        pdf.cell(amount_width, 6, money_format(amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin + label_width / 2, pdf.get_y() + 1, pdf.w - pdf.r_margin, pdf.get_y() + 1)
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(label_width, 8, _("Total (%(currency)s)") % {"currency": currency}, align="R")
    pdf.cell(amount_width, 8, money_format(order.total, currency), align="R", new_x="LMARGIN", new_y="NEXT")
    tax = tax_included(order.total, currency)
    if tax:
        name, rate, amount = tax
        pdf.set_font("DejaVu", "", 9)
        pdf.set_text_color(*MUTED)
        with _language_direction(pdf):
            pdf.cell(
                0,
                5,
                _("Of which %(tax)s %(rate)s %%: %(amount)s")
                % {"tax": name, "rate": rate, "amount": money_format(amount, currency)},
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_text_color(0)
    pdf.ln(8)


def _render_notes(pdf: FPDF, order) -> None:
    checkout, currency = order.checkout, order.currency
    gateway = gateway_get(checkout.payment_method)
    # Cash paid at the door is as paid as a card: the checkout still says "pay on delivery".
    status = PaymentStatus.PAID.label if invoice_due(order) else PaymentStatus(checkout.payment_status).label
    method = gateway.label if gateway else checkout.payment_method
    pdf.set_font("DejaVu", "", 9)
    with _language_direction(pdf) as align:
        pdf.multi_cell(
            0,
            5,
            _("Payment: %(method)s (%(status)s).") % {"method": method, "status": status},
            align=align,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if order.fee:
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(
                0,
                5,
                _("%(site)s's fee of %(fee)s is paid by the store out of this total.")
                % {"site": settings.SOKO_SITE_NAME, "fee": money_format(order.fee, currency)},
                align=align,
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_text_color(0)


def _refunds_made(order):
    """The order's refunds that give money back (all but failed ones), oldest first."""
    return order.refunds.exclude(status=Refund.Status.FAILED).order_by("created_at", "id")


def refunded_total(order) -> Decimal:
    return sum((refund.amount for refund in _refunds_made(order)), Decimal("0"))


def _render_refunds(pdf: FPDF, order, *, until: Refund | None = None) -> None:
    """The refunds made so far (up to ``until``), each with its state and date, and what
    the order cost after them."""
    currency = order.currency
    refunds = list(_refunds_made(order))
    if until is not None:
        refunds = [refund for refund in refunds if (refund.created_at, refund.pk) <= (until.created_at, until.pk)]
    if not refunds:
        return
    pdf.ln(4)
    label_width = pdf.epw * sum(COLUMNS[:3]) / sum(COLUMNS)
    amount_width = pdf.epw - label_width
    pdf.set_font("DejaVu", "", 10)
    for refund in refunds:
        with _language_direction(pdf):
            label = _("Refund of %(date)s (%(state)s)") % {
                "date": date_format(timezone.localtime(refund.created_at), "j F Y"),
                "state": refund.get_status_display(),
            }
        pdf.cell(label_width, 6, label, align="R")
        pdf.cell(amount_width, 6, "−" + money_format(refund.amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(label_width, 7, _("Paid after refunds (%(currency)s)") % {"currency": currency}, align="R")
    net = order.total - sum((refund.amount for refund in refunds), Decimal("0"))
    pdf.cell(amount_width, 7, money_format(net, currency), align="R", new_x="LMARGIN", new_y="NEXT")


def credit_note_render(refund: Refund, number: str) -> bytes:
    """The credit note of ``refund`` as PDF bytes, in the buyer's language."""
    order = refund.order
    currency = order.currency
    with speaking_to(order.buyer):
        pdf = _new_pdf()
        pdf.add_page()
        top = pdf.get_y()
        pdf.set_font("DejaVu", "B", 20)
        pdf.cell(0, 10, settings.SOKO_SITE_NAME)
        pdf.set_xy(pdf.l_margin, top)
        with _language_direction(pdf):
            pdf.set_font("DejaVu", "B", 14)
            pdf.cell(0, 8, _("Credit note %(number)s") % {"number": number}, align="R", new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 10)
            pdf.set_text_color(*MUTED)
            pdf.cell(
                0,
                6,
                _("Invoice %(invoice)s · order %(number)s · %(date)s")
                % {
                    "invoice": invoice_number(order),
                    "number": order.number,
                    "date": date_format(timezone.localtime(refund.created_at), "j F Y"),
                },
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_text_color(0)
        pdf.ln(2)
        pdf.set_draw_color(*RULE)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(6)
        _render_parties(pdf, order)
        items = {str(item.pk): item for item in order.items.all()}
        listed = Decimal("0")
        with _lines_table(pdf) as table:
            table.row((_("Returned or refunded"), _("Qty"), _("Unit price"), _("Amount")))
            for key, units in sorted(refund.lines.items()):
                if key == "delivery":
                    listed += order.delivery_fee
                    fee = money_format(order.delivery_fee, currency)
                    table.row((_("Delivery"), "1", fee, fee))
                elif key in items:
                    item = items[key]
                    amount = item.unit_price * int(units)
                    listed += amount
                    name = "\n".join(filter(None, [item.product_title, item.variant_name]))
                    table.row(
                        (name, str(units), money_format(item.unit_price, currency), money_format(amount, currency))
                    )
        pdf.ln(3)
        label_width = pdf.epw * sum(COLUMNS[:3]) / sum(COLUMNS)
        amount_width = pdf.epw - label_width
        if listed > refund.amount:
            pdf.cell(label_width, 6, _("Your discount on these items"), align="R")
            pdf.cell(
                amount_width,
                6,
                "−" + money_format(listed - refund.amount, currency),
                align="R",
                new_x="LMARGIN",
                new_y="NEXT",
            )
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(label_width, 8, _("Credited (%(currency)s)") % {"currency": currency}, align="R")
        pdf.cell(amount_width, 8, money_format(refund.amount, currency), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(label_width, 6, _("Order total"), align="R")
        pdf.cell(amount_width, 6, money_format(order.total, currency), align="R", new_x="LMARGIN", new_y="NEXT")
        _render_refunds(pdf, order, until=refund)
        pdf.ln(6)
        pdf.set_font("DejaVu", "", 9)
        with _language_direction(pdf) as align:
            pdf.multi_cell(
                0,
                5,
                _("Refunded by %(method)s (%(state)s). Reason: %(reason)s")
                % {
                    "method": refund.get_provider_display(),
                    "state": refund.get_status_display(),
                    "reason": refund.reason,
                },
                align=align,
                new_x="LMARGIN",
                new_y="NEXT",
            )
        return bytes(pdf.output())
