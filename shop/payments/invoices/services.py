"""PDF invoices: one per paid order (or cash order once delivered), rendered once, kept in
private storage, emailed to the buyer once, downloadable by the buyer, the store and staff.
Credit notes the same way: one per refund (``CreditNote``), saying what was given back,
in which state, and what the order cost after every refund so far.

The PDF embeds DejaVu Sans, with Noto Sans Arabic as the fallback for Urdu and Arabic
names, shaped by HarfBuzz so their letters join (fonts and licences in ``fonts/``).
``invoice_issue`` is safe to run twice or concurrently: the row, the file and the email
each happen once, and a run after a crash finishes what the first left undone.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF, FontFace

from shop.core.currencies import currency_places
from shop.core.i18n import speaking_to
from shop.core.jobs import job_enqueue_on_commit
from shop.core.mail import PermanentMailError, mail_send
from shop.core.money import money_format

from ..gateways import gateway_get
from ..models import CreditNote, Invoice, PaymentStatus, Refund

log = logging.getLogger(__name__)

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
    with speaking_to(order.buyer):
        pdf = _Pdf()
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


def _render_lines(pdf: FPDF, order) -> None:
    currency = order.currency
    pdf.set_font("DejaVu", "", 10)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=COLUMNS,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=5.5,
        padding=(1.5, 1.5),
        v_align="TOP",
    ) as table:
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
    _pdf_store_once(invoice, lambda: invoice_render(order))
    _email_once(invoice, to=order.buyer.email, send=lambda: _email(order, invoice))
    return invoice


def _pdf_store_once(document, render) -> None:
    """Render ``document``'s PDF (an invoice or a credit note) and keep it, once."""
    if document.pdf:
        return
    document.pdf.save(f"{document.number}.pdf", ContentFile(render()), save=False)
    if not type(document).objects.filter(pk=document.pk, pdf="").update(pdf=document.pdf.name):
        # A concurrent run stored its copy first: keep that one, drop ours.
        document.pdf.storage.delete(document.pdf.name)
    document.refresh_from_db()


def _email_once(document, *, to: str, send) -> None:
    """Send ``document`` by email once: the email is claimed first (a conditional update),
    so two runs never both send it; a failure that may pass releases the claim."""
    model = type(document)
    claimed = (
        document.emailed_at is None
        and to
        and model.objects.filter(pk=document.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
    )
    if claimed:
        try:
            send()
        except PermanentMailError:
            log.warning("%s %s could not be emailed", model._meta.verbose_name, document.number)
        except Exception:
            model.objects.filter(pk=document.pk).update(emailed_at=None)
            raise
    document.refresh_from_db()


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


# Credit notes ----------------------------------------------------------------------------


def credit_note_number(refund: Refund) -> str:
    """``CN-<order>-<n>``: the n-th refund of the order (failed ones count too, so a number
    never changes once given)."""
    position = Refund.objects.filter(order_id=refund.order_id, pk__lte=refund.pk).count()
    return f"CN-{refund.order.number}-{position}"


def credit_note_render(refund: Refund, number: str) -> bytes:
    """The credit note of ``refund`` as PDF bytes, in the buyer's language."""
    order = refund.order
    currency = order.currency
    with speaking_to(order.buyer):
        pdf = _Pdf()
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
        pdf.set_font("DejaVu", "", 10)
        with pdf.table(
            col_widths=COLUMNS,
            text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
            borders_layout="HORIZONTAL_LINES",
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=5.5,
            padding=(1.5, 1.5),
            v_align="TOP",
        ) as table:
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


def credit_note_issue(refund_id: int) -> CreditNote | None:
    """Issue the refund's credit note once: the row, its PDF, the email to the buyer.
    ``None`` for a refund that failed (nothing was given back) or does not exist."""
    refund = (
        Refund.objects.select_related("order__checkout", "order__store", "order__buyer").filter(pk=refund_id).first()
    )
    if refund is None or refund.status == Refund.Status.FAILED:
        return None
    try:
        with transaction.atomic():
            note, _created = CreditNote.objects.get_or_create(
                refund=refund, defaults={"number": credit_note_number(refund)}
            )
    except IntegrityError:
        note = CreditNote.objects.get(refund=refund)
    _pdf_store_once(note, lambda: credit_note_render(refund, note.number))
    _email_once(note, to=refund.order.buyer.email, send=lambda: _email_credit_note(refund, note))
    return note


def _email_credit_note(refund: Refund, note: CreditNote) -> None:
    order = refund.order
    with speaking_to(order.buyer):
        subject = _("Your credit note for order %(number)s") % {"number": order.number}
        body = _(
            "Hello %(name)s,\n\n%(store)s refunded %(amount)s on order %(number)s (%(state)s, %(date)s). "
            "Paid for the order after refunds: %(net)s.\nYour credit note %(note)s is attached.\n\n%(site)s"
        ) % {
            "name": order.checkout.recipient,
            "store": order.store.name,
            "amount": money_format(refund.amount, refund.currency),
            "number": order.number,
            "state": refund.get_status_display(),
            "date": date_format(timezone.localtime(refund.created_at), "j F Y"),
            "net": money_format(order.total - refunded_total(order), order.currency),
            "note": note.number,
            "site": settings.SOKO_SITE_NAME,
        }
    with note.pdf.open("rb") as file:
        content = file.read()
    mail_send(
        subject=subject,
        body=body,
        to=[order.buyer.email],
        attachments=[(f"{note.number}.pdf", content, "application/pdf")],
    )


def credit_note_issue_later(refund_id: int) -> None:
    """Issue the refund's credit note in the background once the current transaction commits."""
    job_enqueue_on_commit("payments.credit_note_issue", refund_id)
