"""The store's sale form: what comes off, of which products (or a category), and when.
Times are in the viewer's time zone, as on the auction form; ``shop.promotions.services.sales`` has
the last word and its refusals come back as form errors."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Category, Product
from shop.core.selectors.currencies import currency_places
from shop.core.validators import money_fields_check
from shop.promotions.models import PromoCode, Sale
from shop.promotions.services.sales import ON_SALE_STATUSES, SaleInput, sale_problems

from ..auctions.forms import DateTimeLocalInput

DEFAULT_DURATION = timedelta(days=3)


class SaleForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=80, help_text=gettext_lazy("For you: shoppers see the reduced prices, not the name."),
        error_messages={"required": gettext_lazy("Give the sale a name.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Take off"), choices=Sale.Kind.choices, widget=forms.RadioSelect, initial=Sale.Kind.PERCENT)
    amount = forms.DecimalField(
        label=gettext_lazy("How much"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        help_text=gettext_lazy("A percentage (20 for 20 % off) or an amount in your store's currency."),
        error_messages={"required": gettext_lazy("Enter how much comes off.")},
    )
    products = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Products"), queryset=Product.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("Or a whole category"), queryset=Category.objects.none(), required=False,
        empty_label=gettext_lazy("— choose products instead —"),
    )
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), required=False, widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"), widget=DateTimeLocalInput(), error_messages={"required": gettext_lazy("Choose when the sale ends.")}
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        products = Product.objects.filter(store=store, status__in=ON_SALE_STATUSES, listing_type=Product.Listing.FIXED).order_by("title")
        self.fields["products"].queryset = products
        self.fields["category"].queryset = Category.objects.filter(pk__in=products.values("category")).order_by("name") | Category.objects.filter(
            pk__in=products.values("category__parent")
        ).order_by("name")
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = now + DEFAULT_DURATION
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = _("Your time (%(zone)s). Leave it empty, or a time that has passed, to start now.") % {"zone": zone}
        self.fields["ends_at"].help_text = _("Your time (%(zone)s). The prices go back by themselves.") % {"zone": zone}
        self.fields["amount"].widget.attrs.update({"step": str(Decimal(1).scaleb(-currency_places(store.currency))), "inputmode": "decimal"})

    def clean_starts_at(self):
        now = timezone.now()
        starts_at = self.cleaned_data.get("starts_at")
        return now if starts_at is None or starts_at < now else starts_at

    def clean(self):
        cleaned = super().clean()
        money_fields_check(self, self.store.currency, ["amount"] if cleaned.get("kind") == Sale.Kind.FIXED else [])
        # Every rule of the sale at once, with what the fields gave (sale_create checks them again).
        covered = not ({"products", "category"} & set(self.errors))
        for problem in sale_problems(
            store=self.store, now=timezone.now(), kind=cleaned.get("kind"), amount=cleaned.get("amount"),
            starts_at=cleaned.get("starts_at"), ends_at=cleaned.get("ends_at"),
            products=tuple(cleaned.get("products") or ()) if covered else None, category=cleaned.get("category"),
        ):
            self.add_error(None, problem)
        return cleaned

    def sale_input(self) -> SaleInput:
        data = self.cleaned_data
        return SaleInput(
            name=data["name"], kind=data["kind"], amount=data["amount"], starts_at=data["starts_at"], ends_at=data["ends_at"],
            products=tuple(data["products"]), category=data["category"],
        )


class PromoCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"), max_length=40, help_text=gettext_lazy("What shoppers type at checkout, like WEEKEND10."),
        error_messages={"required": gettext_lazy("Choose the code shoppers will type.")},
    )
    kind = forms.ChoiceField(label=gettext_lazy("Take off"), choices=PromoCode.Kind.choices, widget=forms.RadioSelect, initial=PromoCode.Kind.PERCENT)
    amount = forms.DecimalField(
        label=gettext_lazy("How much"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
        error_messages={"required": gettext_lazy("Enter how much comes off.")},
    )
    min_order = forms.DecimalField(label=gettext_lazy("Minimum order"), max_digits=12, decimal_places=2, min_value=0, initial=0, required=False)
    starts_at = forms.DateTimeField(label=gettext_lazy("Valid from"), required=False, widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=gettext_lazy("Valid until"), required=False, widget=DateTimeLocalInput())
    max_uses = forms.IntegerField(label=gettext_lazy("Uses in all"), min_value=1, required=False, help_text=gettext_lazy("Empty: no limit."))
    max_uses_per_customer = forms.IntegerField(label=gettext_lazy("Uses per shopper"), min_value=1, initial=1)
    first_order_only = forms.BooleanField(label=gettext_lazy("For a shopper's first order only"), required=False)

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, prefix="code", **kwargs)
        self.store = store
        self.fields["amount"].help_text = _("A percentage, or an amount in %(currency)s.") % {"currency": store.currency}
        self.fields["min_order"].help_text = _("Of the store's items in the order, in %(currency)s.") % {"currency": store.currency}

    def clean(self):
        cleaned = super().clean()
        names = ["min_order"] + (["amount"] if cleaned.get("kind") == PromoCode.Kind.FIXED else [])
        money_fields_check(self, self.store.currency, names)
        return cleaned

    def model_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["starts_at"] = data["starts_at"] or timezone.now()
        data["min_order"] = data["min_order"] or Decimal("0")
        return data
