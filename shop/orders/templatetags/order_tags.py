"""Template helpers for order pages: QR codes as SVG, status and payment labels."""

import segno
from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from shop.orders.selectors.transitions import status_label
from shop.payments.gateways import gateway_get

register = template.Library()


@register.simple_tag
def qr_svg(text: str, label: str = "") -> str:
    """``text`` as an inline SVG QR code, drawn on the server (segno). Dark on white with
    the quiet zone, so phone cameras read it in dark mode too; sized by CSS."""
    qr = segno.make(text, error="m", micro=False)
    svg = qr.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr-code", lineclass=None)
    label = escape(label or _("QR code"))  # a translation may hold quotes
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


@register.filter
def grouped_digits(code: str) -> str:
    """``12345678`` → ``1234 5678``: easier to read out at the door."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


@register.filter
def status_text(order) -> str:
    return status_label(order.status, order)


@register.filter
def payment_label(method: str) -> str:
    """The payment method's label; a method whose gateway is switched off reads as its code."""
    gateway = gateway_get(method)
    if gateway is not None:
        return gateway.label
    return method.replace("_", " ").capitalize()


STATUS_ICONS = {
    "pending": "bi-receipt",
    "confirmed": "bi-check2",
    "preparing": "bi-box-seam",
    "ready": "bi-bag-check",
    "out_for_delivery": "bi-truck",
    "delivered": "bi-house-check",
    "completed": "bi-star",
    "cancelled": "bi-x-lg",
    "refunded": "bi-arrow-counterclockwise",
}


@register.filter
def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "bi-circle")
