"""Staff see every order; a status changes only through the state machine (with a note).
Cancelling an order whose goods left the store restocks nothing unless staff tick
"goods returned to stock"."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.admin import FieldsReadOnly
from shop.payments.refunds.services import RefundError, refund_order, refundable_units

from .models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from .selectors.transitions import LEFT_THE_STORE, Role, TransitionError, moves_for, status_label
from .services.orders import order_transition


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = ["product_title", "variant_name", "sku", "unit_price", "quantity", "line_total"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class StatusChangeForm(forms.Form):
    to = forms.ChoiceField(label=gettext_lazy("New status"))
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why (shown on the timeline)."),
    )
    goods_returned = forms.BooleanField(
        label=gettext_lazy("Goods returned to stock"),
        required=False,
        help_text=(
            gettext_lazy(
                "Only when cancelling: tick it if the goods are back on the store's shelf, to put them on sale again. "
                "Left unticked, cancelling this order restocks nothing."
            )
        ),
    )

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        moves = moves_for(order, Role.STAFF)
        self.fields["to"].choices = [(to, status_label(to, order)) for to in moves]
        if order.status not in LEFT_THE_STORE or OrderStatus.CANCELLED not in moves:
            # Before the goods leave, cancelling always restocks: nothing to ask.
            del self.fields["goods_returned"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("goods_returned") and cleaned.get("to") != OrderStatus.CANCELLED:
            self.add_error("goods_returned", _("Goods go back to stock only when you cancel the order."))
        return cleaned


class RefundForm(forms.Form):
    """Units to refund per line (none by default), the delivery fee, and why."""

    delivery = forms.BooleanField(label=gettext_lazy("Refund the delivery fee"), required=False)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=300, help_text=gettext_lazy("Shown to the buyer.")
    )
    key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, order: Order, **kwargs):
        super().__init__(*args, **kwargs)
        left = refundable_units(order)
        self.items = list(order.items.all())
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.IntegerField(
                label=f"{item.product_title} ({item.variant_name}) × {item.unit_price}",
                min_value=0,
                max_value=max(left[item.pk], 0),
                initial=0,
                help_text=_("%(count)s of %(quantity)s can still be refunded.")
                % {"count": left[item.pk], "quantity": item.quantity},
            )
        if not order.delivery_fee:
            del self.fields["delivery"]

    def lines(self) -> dict[int, int]:
        return {item.pk: self.cleaned_data.get(f"item_{item.pk}") or 0 for item in self.items}


@admin.register(Order)
class OrderAdmin(FieldsReadOnly, admin.ModelAdmin):
    list_display = ["number", "store", "buyer", "status", "delivery_mode", "total", "currency", "created_at"]
    list_filter = ["status", "delivery_mode", "created_at"]
    search_fields = ["number", "buyer__email", "store__name", "checkout__recipient", "checkout__phone"]
    list_select_related = ["store", "buyer"]
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    readonly_fields = [
        "number",
        "checkout",
        "store",
        "buyer",
        "status_with_change",
        "delivery_mode",
        "items_total",
        "delivery_fee",
        # The money of a placed order moves through its services and the ledger only
        # (FieldsReadOnly adds every field not named here).
        "discount",
        "platform_discount",
        "points_discount",
        "fee",
        "total",
        "currency",
        "buyer_note",
        "stock_released_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["status"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("Status"))
    def status_with_change(self, order):
        url = reverse("admin:orders_order_status", args=[order.pk])
        refund = reverse("admin:orders_order_refund", args=[order.pk])
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            status_label(order.status, order),
            url,
            _("Change status…"),
            refund,
            _("Refund…"),
        )

    def get_urls(self):
        return [
            path("<int:pk>/status/", self.admin_site.admin_view(self.status_view), name="orders_order_status"),
            path("<int:pk>/refund/", self.admin_site.admin_view(self.refund_view), name="orders_order_refund"),
            *super().get_urls(),
        ]

    def refund_view(self, request, pk: int):
        """Refund some of the order's lines through the way it was paid (shop.payments.refunds.services)."""
        order = get_object_or_404(Order.objects.select_related("checkout", "store", "buyer"), pk=pk)
        if not self.has_change_permission(request, order):
            return redirect("admin:index")
        form = RefundForm(request.POST or None, order=order, initial={"key": uuid.uuid4().hex})
        if request.method == "POST" and form.is_valid():
            try:
                refund = refund_order(
                    order=order,
                    lines=form.lines(),
                    delivery=form.cleaned_data.get("delivery", False),
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    key=f"admin-{form.cleaned_data['key']}",
                    announce=True,
                )
            except RefundError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Refund of %(amount)s %(currency)s recorded: %(status)s.")
                    % {
                        "amount": refund.amount,
                        "currency": refund.currency,
                        "status": refund.get_status_display().lower(),
                    },
                )
                return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund order %(number)s") % {"number": order.number},
            "order": order,
            "current": status_label(order.status, order),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "orders/admin_refund.html", context)

    def status_view(self, request, pk: int):
        order = get_object_or_404(Order.objects.select_related("checkout", "store", "buyer"), pk=pk)
        if not self.has_change_permission(request, order):
            return redirect("admin:index")
        form = StatusChangeForm(request.POST or None, order=order)
        if request.method == "POST" and form.is_valid():
            try:
                moved = order_transition(
                    order=order,
                    to=form.cleaned_data["to"],
                    actor=request.user,
                    role=Role.STAFF,
                    note=form.cleaned_data["note"],
                    goods_returned=form.cleaned_data.get("goods_returned", False),
                )
            except TransitionError as error:
                form.add_error(None, str(error))
            else:
                text = _("Order %(number)s is now %(lower)s.") % {
                    "number": order.number,
                    "lower": status_label(moved.status, moved).lower(),
                }
                if moved.status == OrderStatus.CANCELLED:
                    text += (
                        _(" Its units are back on sale.") if moved.stock_released_at else _(" No stock was returned.")
                    )
                messages.success(request, text)
                return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change the status of order %(number)s") % {"number": order.number},
            "order": order,
            "current": status_label(order.status, order),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "orders/admin_status.html", context)


class OrderInline(admin.TabularInline):
    model = Order
    extra = 0
    can_delete = False
    fields = ["number", "store", "status", "total"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ["id", "buyer", "payment_method", "total", "currency", "created_at"]
    list_filter = ["payment_method"]
    search_fields = ["buyer__email", "recipient", "phone", "orders__number"]
    inlines = [OrderInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False
