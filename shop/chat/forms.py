from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product, Variant
from shop.core.selectors.money import money_format, money_units_problem
from shop.core.validators import money_fractions_said
from shop.media.forms import ImageUploadField

from .models import TEXT_MAX, Offer, Report

OFFER_LINES = 5


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Message"), required=False, max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 1, "placeholder": gettext_lazy("Write a message…"), "maxlength": TEXT_MAX}),
    )
    image = ImageUploadField(label=gettext_lazy("Picture"), required=False)
    quick_reply = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Report.Reason.choices)
    text = forms.CharField(label=gettext_lazy("Details"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    message = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OfferForm(forms.Form):
    """Up to five items with quantities and agreed prices, the delivery and the expiry.
    Prices and the fee are in the store's currency, with no finer fraction than it has
    (``money_units_problem``, which ``offer_make`` applies too)."""

    delivery_mode = forms.ChoiceField(
        label=gettext_lazy("Delivery"), choices=Offer.DeliveryMode.choices, widget=forms.Select(attrs={"class": "form-select form-select-sm"})
    )
    delivery_fee = forms.DecimalField(label=gettext_lazy("Delivery fee"), min_value=Decimal("0"), max_digits=12, decimal_places=2, initial=0)
    hours = forms.TypedChoiceField(
        label=gettext_lazy("Open for"),
        coerce=int,
        choices=[(2, gettext_lazy("2 hours")), (24, gettext_lazy("1 day")), (72, gettext_lazy("3 days")), (168, gettext_lazy("7 days"))],
        initial=24,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(label=gettext_lazy("Note to the shopper"), required=False, max_length=300)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        variants = (
            Variant.objects.filter(product__store=store, product__status=Product.Status.ACTIVE, product__listing_type=Product.Listing.FIXED, stock__gt=0)
            .select_related("product")
            .order_by("product__title", "position", "pk")
        )
        choices = [("", "—")] + [
            (
                v.pk,
                _("%(title)s · %(variant)s (%(price)s, %(stock)s in stock)")
                % {"title": v.product.title, "variant": v.name, "price": money_format(v.price, store.currency), "stock": v.stock},
            )
            for v in variants[:500]
        ]
        for number in range(OFFER_LINES):
            self.fields[f"variant_{number}"] = forms.TypedChoiceField(
                label=gettext_lazy("Item"), choices=choices, coerce=int, required=False, empty_value=None
            )
            self.fields[f"quantity_{number}"] = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, max_value=9999, required=False)
            # No bounds here: offer_make says which prices it refuses, to the page and the API alike.
            self.fields[f"price_{number}"] = forms.DecimalField(
                label=gettext_lazy("Agreed unit price"), max_digits=12, decimal_places=2, required=False
            )

    def line_rows(self):
        return [(self[f"variant_{n}"], self[f"quantity_{n}"], self[f"price_{n}"]) for n in range(OFFER_LINES)]

    def clean(self):
        data = super().clean()
        currency = self.store.currency
        money_fractions_said(self, currency, [f"price_{number}" for number in range(OFFER_LINES)] + ["delivery_fee"])
        lines = []
        for number in range(OFFER_LINES):
            variant, quantity, price = (data.get(f"{name}_{number}") for name in ("variant", "quantity", "price"))
            if variant is None:
                continue
            if quantity is None or price is None:
                self.add_error(f"price_{number}", gettext_lazy("Give a quantity and a price for each item chosen."))
                continue
            if units := money_units_problem(price, currency):
                self.add_error(f"price_{number}", units)
                continue
            lines.append((variant, quantity, price))
        # A pick-up offer's fee is none, whatever was typed (offer_make).
        fee = data.get("delivery_fee")
        charged = fee is not None and data.get("delivery_mode") != Offer.DeliveryMode.PICKUP
        if charged and (units := money_units_problem(fee, currency)):
            self.add_error("delivery_fee", units)
        if not lines and not self.errors:
            raise forms.ValidationError(gettext_lazy("Choose at least one item."))
        data["lines"] = lines
        return data
