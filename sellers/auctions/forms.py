"""The seller's auction forms: putting a product up for auction, and relisting one that
ended unsold. Both gather the same terms; ``shop.auctions.services`` has the last word
(``terms_problems``, ``auction_create``) and its refusals come back as form errors.

Times are entered in ``datetime-local`` inputs, in the viewer's time zone (the one the
preferences middleware activates); Django's form fields make them aware in that zone.
"""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.auctions.models import Auction
from shop.auctions.services import Terms, terms_problems
from shop.catalog.models import Product
from shop.core.selectors.currencies import currency_places
from shop.core.selectors.money import money_units_problem
from shop.core.validators import money_fractions_said

from .selectors import auction_product_problem

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DEFAULT_DURATION = timedelta(days=7)
MAX_SOFT_CLOSE_MINUTES = 60


def _minute(moment):
    return moment.replace(second=0, microsecond=0)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class AuctionTermsForm(forms.Form):
    """Prices and times of one auction, in the store's currency and the viewer's time zone."""

    start_price = forms.DecimalField(
        label=gettext_lazy("Start price"),
        max_digits=12,
        decimal_places=2,
        help_text=gettext_lazy("The first bid must be at least this much."),
        error_messages={"required": gettext_lazy("Enter a start price.")},
    )
    reserve_price = forms.DecimalField(
        label=gettext_lazy("Reserve price"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Optional. The lowest price you will sell for; bidders only see whether it is met."),
    )
    buy_now_price = forms.DecimalField(
        label=gettext_lazy("Buy-it-now price"),
        max_digits=12,
        decimal_places=2,
        required=False,
        help_text=gettext_lazy("Optional. A shopper may buy it at once for this price until bidding begins."),
    )
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts"),
        required=False,
        widget=DateTimeLocalInput(),
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends"),
        widget=DateTimeLocalInput(),
        error_messages={"required": gettext_lazy("Choose when the auction ends.")},
    )
    soft_close_minutes = forms.IntegerField(
        label=gettext_lazy("Soft close (minutes)"),
        min_value=1,
        max_value=MAX_SOFT_CLOSE_MINUTES,
        error_messages={"required": gettext_lazy("Enter the soft-close minutes.")},
    )

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        now = _minute(timezone.localtime())
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = now + DEFAULT_DURATION
        self.fields["soft_close_minutes"].initial = settings.SOKO_AUCTION_SOFT_CLOSE_MINUTES
        zone = timezone.get_current_timezone_name()
        self.fields["starts_at"].help_text = _("Your time (%(zone)s). Leave it empty, or a time that has passed, to start now.") % {
            "zone": zone
        }
        self.fields["ends_at"].help_text = _("Your time (%(zone)s).") % {"zone": zone}
        self.fields["soft_close_minutes"].help_text = _(
            "A bid in the last minutes moves the end this many minutes later, so nobody wins by sniping."
        )
        step = str(Decimal(1).scaleb(-currency_places(currency)))
        for name in ("start_price", "reserve_price", "buy_now_price"):
            self.fields[name].widget.attrs.update({"step": step, "min": "0", "inputmode": "decimal"})
        self.fields["soft_close_minutes"].widget.attrs.update({"inputmode": "numeric"})

    def _money(self, name: str):
        amount = self.cleaned_data.get(name)
        if amount is None:
            return None
        if amount <= 0:
            raise ValidationError(_("Enter an amount above zero, or leave it empty."))
        problem = money_units_problem(amount, self.currency)
        if problem:
            raise ValidationError(problem)
        return amount

    def clean_start_price(self):
        amount = self.cleaned_data.get("start_price")
        if amount is not None and amount <= 0:
            raise ValidationError(_("The start price must be more than zero."))
        return self._money("start_price")

    def clean_reserve_price(self):
        return self._money("reserve_price")

    def clean_buy_now_price(self):
        return self._money("buy_now_price")

    def clean_starts_at(self):
        # Empty, or already past (the form was open a while): the auction starts now.
        starts_at = self.cleaned_data.get("starts_at")
        now = timezone.now()
        return now if starts_at is None or starts_at < now else starts_at

    def clean(self):
        cleaned = super().clean()
        money_fractions_said(self, self.currency, ("start_price", "reserve_price", "buy_now_price"))
        if self.errors:
            return cleaned
        for problem in terms_problems(self.terms()):
            self.add_error(None, problem)
        return cleaned

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            start_price=data["start_price"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reserve_price=data.get("reserve_price"),
            buy_now_price=data.get("buy_now_price"),
            soft_close_minutes=data.get("soft_close_minutes"),
        )


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.get_status_display()})"


class AuctionCreateForm(AuctionTermsForm):
    """Put one of the store's products sold by auction up for auction."""

    product = ProductChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.none(),
        error_messages={
            "required": gettext_lazy("Choose the product to auction."),
            "invalid_choice": gettext_lazy("Choose one of your store's products sold by auction."),
        },
    )
    field_order = ["product"]

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, currency=store.currency, **kwargs)
        self.store = store
        self.fields["product"].queryset = (
            Product.objects.filter(store=store, listing_type=Product.Listing.AUCTION)
            .prefetch_related("variants")
            .order_by("title", "id")
        )
        self.fields["product"].empty_label = _("Choose a product")
        self.fields["product"].help_text = _(
            "Your products sold by auction: one unit each. Shoppers see the auction while the product is live."
        )

    def clean_product(self):
        product = self.cleaned_data["product"]
        problem = auction_product_problem(product)
        if problem:
            raise ValidationError(problem)
        return product


class AuctionRelistForm(AuctionTermsForm):
    """A new auction of the same product after one that ended unsold, on the old terms by
    default (same prices, same length, starting now)."""

    def __init__(self, *args, auction: Auction, **kwargs):
        super().__init__(*args, currency=auction.currency, **kwargs)
        self.auction = auction
        now = _minute(timezone.localtime())
        length = max(auction.ends_at - auction.starts_at, timedelta(hours=1))
        self.fields["start_price"].initial = auction.start_price
        self.fields["reserve_price"].initial = auction.reserve_price
        self.fields["buy_now_price"].initial = auction.buy_now_price
        self.fields["starts_at"].initial = now
        self.fields["ends_at"].initial = _minute(now + length)
        self.fields["soft_close_minutes"].initial = auction.soft_close_minutes

    def clean(self):
        cleaned = super().clean()
        problem = auction_product_problem(self.auction.product)
        if problem:
            self.add_error(None, problem)
        return cleaned
