"""The seller's product form: details, variants (an inline formset) and pictures.

``ProductEditor`` binds the three together, checks the rules that span them, and turns
them into the keyword arguments of ``shop.catalog.services.products.product_save``.
"""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models.functions import Lower
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product, Variant
from shop.catalog.services.products import BULK_ACTIONS, VariantInput
from shop.core.ids import id_or_none
from shop.core.selectors.currencies import currency_places
from shop.core.selectors.money import money_units_problem
from shop.core.validators import money_fractions_said
from shop.inventory.services import StockChangedMeanwhile, StockConflict
from shop.media.forms import MultipleImageField

from ..auctions.selectors import product_open_auction, product_open_offer
from .selectors import category_choices

MAX_TAGS = 15
# Units of one variant on hand: far above any store's, so a slip of the finger is caught.
MAX_STOCK = 1_000_000


class ProductForm(forms.ModelForm):
    # Not required: a form that leaves it out keeps how the product is sold (fixed for a new one).
    listing_type = forms.ChoiceField(
        label=gettext_lazy("Sold by"),
        choices=Product.Listing.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Fixed price: shoppers buy from the cart. Auction: one unit to the highest bidder (one variant, stock 1); "
            "put it up for auction from Auctions once it is saved."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose fixed price or auction.")},
    )
    tags = forms.CharField(label=gettext_lazy("Tags"),
        required=False,
        max_length=400,
        help_text=gettext_lazy("Words shoppers might search for, separated by commas: kikoi, cotton, beach."),
    )

    class Meta:
        model = Product
        fields = ["kind", "listing_type", "title", "category", "description", "brand", "condition", "returnable"]
        labels = {"kind": gettext_lazy("What are you selling?")}
        help_texts = {"title": gettext_lazy("What it is, as a shopper would search for it: “Handwoven sisal basket, large”.")}
        widgets = {"description": forms.Textarea(attrs={"rows": 6})}
        error_messages = {
            "title": {"required": gettext_lazy("Give the product a title.")},
            "category": {"required": gettext_lazy("Choose a category."), "invalid_choice": gettext_lazy("Choose a category from the list.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["category"].empty_label = _("Choose a category")
        if self.instance.pk and "tags" not in self.initial:
            self.initial["tags"] = ", ".join(tag.name for tag in self.instance.tags.all())

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Give the product a title."))
        return title

    def clean_listing_type(self):
        listing_type = self.cleaned_data.get("listing_type") or self.instance.listing_type or Product.Listing.FIXED
        if self.instance.pk and listing_type != self.instance.listing_type:
            # The unit is promised to bidders while an auction runs or an offer waits for an answer.
            auction = product_open_auction(self.instance)
            if auction is not None:
                raise ValidationError(
                    _("This product is up for auction (auction %(id)s): change how it is sold once the auction has ended.")
                    % {"id": auction.pk}
                )
            if product_open_offer(self.instance) is not None:
                raise ValidationError(
                    _("This product is offered to a bidder: change how it is sold once they answer or the offer expires.")
                )
        return listing_type

    def clean_tags(self):
        names = [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]
        too_long = [name for name in names if len(name) > 40]
        if too_long:
            raise ValidationError(_("A tag can be at most 40 characters; “%(too_long)s” is longer.") % {"too_long": too_long[0][:50]})
        if len({name.lower() for name in names}) > MAX_TAGS:
            raise ValidationError(_("Use at most %(MAX_TAGS)s tags.") % {"MAX_TAGS": MAX_TAGS})
        return names

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class VariantForm(forms.ModelForm):
    """One variant row. Stock is not a model field here: ``stock_seen`` carries the figure
    the page showed, and ``product_save`` hands both to ``shop.inventory``, which leaves
    an untouched figure alone and refuses a changed one that clashes with sales made
    meanwhile (``StockEdit``)."""

    colour = forms.CharField(label=gettext_lazy("Colour"), required=False, max_length=30, help_text=gettext_lazy("Optional"))
    size = forms.CharField(label=gettext_lazy("Size"), required=False, max_length=30, help_text=gettext_lazy("Optional"))
    stock = forms.IntegerField(label=gettext_lazy("Stock"), initial=0, help_text=gettext_lazy("Units on hand"), error_messages={"required": gettext_lazy("Enter the units on hand.")})
    stock_seen = forms.IntegerField(label=gettext_lazy("Stock seen"), required=False, widget=forms.HiddenInput)
    stock_news = ""  # how the stock moved since the page was opened, when it clashes

    class Meta:
        model = Variant
        fields = ["name", "sku", "colour", "size", "price", "compare_at_price", "low_stock_threshold", "duration_minutes"]
        labels = {
            "name": gettext_lazy("Variant name"),
            "compare_at_price": gettext_lazy("Compare-at price"),
            "low_stock_threshold": gettext_lazy("Low stock at"),
            "duration_minutes": gettext_lazy("Duration (minutes)"),
        }
        help_texts = {
            "name": gettext_lazy("e.g. Red / M, or Standard"),
            "sku": gettext_lazy("Your own stock code; unique in your store"),
            "compare_at_price": gettext_lazy("Optional: the higher “was” price"),
            "low_stock_threshold": gettext_lazy("Flag it when stock is this low"),
            "duration_minutes": gettext_lazy("Services only"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attributes = self.instance.attributes or {}
        self.fields["colour"].initial = attributes.get("colour", "")
        self.fields["size"].initial = attributes.get("size", "")
        if self.instance.pk:
            self.fields["stock"].initial = self.fields["stock_seen"].initial = self.instance.stock
        price, stock = self.fields["price"], self.fields["stock"]
        price.validators.append(MinValueValidator(Decimal("0.01"), _("The price must be more than zero.")))
        stock.validators.append(MinValueValidator(0, _("Stock cannot be negative.")))
        stock.validators.append(
            MaxValueValidator(MAX_STOCK, _("Stock can be at most %(limit)s units.") % {"limit": number_format(MAX_STOCK, force_grouping=True)})
        )
        for name in ("price", "compare_at_price"):
            self.fields[name].widget.attrs.update({"step": "0.01", "min": "0", "inputmode": "decimal"})
        stock.widget.attrs.update({"min": "0", "inputmode": "numeric"})

    currency = ""  # the store's, set by the formset

    def clean_price(self):
        return self._whole_units(self.cleaned_data["price"])

    def clean_compare_at_price(self):
        return self._whole_units(self.cleaned_data["compare_at_price"])

    def _whole_units(self, amount):
        """A price the store's currency can hold: whole francs in GNF, cents in KES."""
        problem = None if amount is None or not self.currency else money_units_problem(amount, self.currency)
        if problem:
            raise ValidationError(problem)
        return amount

    def clean_sku(self):
        return self.cleaned_data["sku"].strip()

    def clean(self):
        cleaned = super().clean()
        if self.currency:
            money_fractions_said(self, self.currency, ("price", "compare_at_price"))
        price, compare_at = cleaned.get("price"), cleaned.get("compare_at_price")
        if compare_at is not None and price is not None and compare_at <= price:
            self.add_error(
                "compare_at_price",
                _("The compare-at price must be higher than the price (%(price)s), or left empty.") % {"price": price},
            )
        return cleaned

    def stock_conflict(self, conflict: StockConflict) -> None:
        """Say on the stock field how the stock moved, and take the figure now as the one
        seen: saving again sets the seller's figure, all other edits as they were."""
        self.data = self.data.copy()
        self.data[self.add_prefix("stock_seen")] = str(conflict.now)
        self.stock_news = conflict.message
        self.add_error("stock", _("Check this figure: stock is now %(now)s.") % {"now": conflict.now})

    def variant_input(self) -> VariantInput:
        data = self.cleaned_data
        attributes = dict(self.instance.attributes or {})
        for key in ("colour", "size"):
            value = data.get(key, "").strip()
            if value:
                attributes[key] = value
            else:
                attributes.pop(key, None)
        return VariantInput(
            id=self.instance.pk,
            name=data["name"].strip(),
            sku=data.get("sku", ""),
            attributes=attributes,
            price=data["price"],
            compare_at_price=data.get("compare_at_price"),
            stock=data["stock"],
            stock_seen=data.get("stock_seen"),
            low_stock_threshold=data["low_stock_threshold"],
            duration_minutes=data.get("duration_minutes"),
        )


class BaseVariantFormSet(BaseInlineFormSet):
    default_error_messages = {
        **BaseInlineFormSet.default_error_messages,
        "too_few_forms": gettext_lazy("Add at least one variant with a name and a price."),
        "too_many_forms": gettext_lazy("A product can have at most %(num)d variants."),
    }

    def __init__(self, *args, store, **kwargs):
        self.store = store
        # No more rows are built than a product may have, whatever TOTAL_FORMS says.
        self.max_num = self.absolute_max = settings.SOKO_PRODUCT_MAX_VARIANTS
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.currency = self.store.currency
        step = str(Decimal(1).scaleb(-currency_places(form.currency)))
        for name in ("price", "compare_at_price"):
            form.fields[name].widget.attrs["step"] = step
        # Django offers every variant in the database to a row's hidden id; a row may
        # only name a variant of this product (another store's id is refused).
        form.fields["id"].queryset = self.get_queryset() if self.instance.pk else Variant.objects.none()
        form.fields["id"].error_messages["invalid_choice"] = _("This variant is not one of this product's: reload the page.")
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Delete this variant")
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # A blank new row is ignored rather than required; "at least one" is checked by min_num.
        if i >= self.initial_form_count():
            form.empty_permitted = True
            form.use_required_attribute = False
        return form

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if not self._should_delete_form(form) and form.cleaned_data]
        first_use: dict[str, VariantForm] = {}
        for form in kept:
            sku = form.cleaned_data.get("sku", "")
            if not sku:
                continue
            if sku.casefold() in first_use:
                form.add_error("sku", _("Another variant of this product already uses the SKU %(sku)s.") % {"sku": sku})
            else:
                first_use[sku.casefold()] = form
        if not first_use:
            return
        taken = (
            Variant.objects.filter(product__store=self.store)
            .exclude(product_id=self.instance.pk)
            .annotate(sku_lower=Lower("sku"))
            .filter(sku_lower__in=[sku.lower() for sku in first_use])
            .select_related("product")
        )
        for variant in taken:
            form = first_use[variant.sku.casefold()]
            form.add_error("sku", _("“%(title)s” in your store already uses the SKU %(sku)s.") % {"title": variant.product.title, "sku": variant.sku})

    def variant_inputs(self) -> list[VariantInput]:
        inputs = []
        for form in self.forms:
            if self._should_delete_form(form):
                if form.instance.pk:
                    inputs.append(VariantInput(id=form.instance.pk, name="", price=Decimal("0"), delete=True))
            elif form.cleaned_data:
                inputs.append(form.variant_input())
        return inputs


VariantFormSet = inlineformset_factory(
    Product,
    Variant,
    form=VariantForm,
    formset=BaseVariantFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    validate_max=True,
    can_delete=True,
)


class ProductImagesForm(forms.Form):
    """New uploads plus, for each existing picture, its position, whether to remove it and
    which one is the primary (shown first)."""

    images = MultipleImageField(required=False, label=gettext_lazy("Add pictures"))
    primary = forms.TypedChoiceField(coerce=int, required=False, widget=forms.RadioSelect, label=gettext_lazy("Main picture"))

    def __init__(self, *args, product: Product | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = list(product.images.all()) if product is not None and product.pk else []
        variants = list(product.variants.all()) if self.existing else []
        self.limit = settings.SOKO_IMAGE_MAX_COUNT
        self.fields["images"].help_text = (
            _("Up to %(limit)s pictures per product (JPEG, PNG, WebP or GIF); the first one is the main picture.") % {"limit": self.limit}
        )
        self.fields["primary"].choices = [(image.pk, f"Picture {n}") for n, image in enumerate(self.existing, 1)]
        if self.existing:
            self.initial.setdefault("primary", self.existing[0].pk)
        for n, image in enumerate(self.existing, 1):
            self.fields[f"position_{image.pk}"] = forms.IntegerField(
                label=_("Position"), initial=n, min_value=1, max_value=99, required=False,
                widget=forms.NumberInput(attrs={"class": "form-control form-control-sm image-position", "min": 1}),
            )
            self.fields[f"remove_{image.pk}"] = forms.BooleanField(label=_("Remove"), required=False)
            if len(variants) > 1:
                self.fields[f"variant_{image.pk}"] = forms.TypedChoiceField(
                    label=_("Shows"), required=False, coerce=int, empty_value=None,
                    choices=[("", _("All"))] + [(variant.pk, variant.name) for variant in variants],
                    initial=image.variant_id or "",
                    error_messages={"invalid_choice": _("Choose one of this product's variants.")},
                    widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
                )

    def rows(self):
        """(picture, position field, remove field, primary radio, variant choice or None) for the template."""
        radios = {int(radio.data["value"]): radio for radio in self["primary"]}
        return [
            (
                image,
                self[f"position_{image.pk}"],
                self[f"remove_{image.pk}"],
                radios[image.pk],
                self[f"variant_{image.pk}"] if f"variant_{image.pk}" in self.fields else None,
            )
            for image in self.existing
        ]

    def variant_assignments(self) -> dict[int, int | None]:
        """The variant each kept picture shows (None: every variant), where the seller may choose."""
        data = getattr(self, "cleaned_data", {})
        return {image.pk: data.get(f"variant_{image.pk}") for image in self.existing if f"variant_{image.pk}" in self.fields}

    def clean(self):
        cleaned = super().clean()
        keep = self.keep_order()
        uploads = cleaned.get("images") or []
        if len(keep) + len(uploads) > self.limit:
            self.add_error(
                "images",
                _("A product can have at most %(limit)s pictures: it would keep %(len)s and you added %(len2)s. Remove some pictures or choose fewer.") % {"limit": self.limit, "len": len(keep), "len2": len(uploads)},
            )
        return cleaned

    def keep_order(self) -> list[int]:
        """The pictures to keep, by the seller's positions, the primary one first."""
        data = getattr(self, "cleaned_data", {})
        kept = []
        for index, image in enumerate(self.existing):
            if data.get(f"remove_{image.pk}"):
                continue
            position = data.get(f"position_{image.pk}")
            kept.append((position if position is not None else index + 1, index, image.pk))
        order = [pk for _, _, pk in sorted(kept)]
        primary = data.get("primary")
        if primary in order:
            order.remove(primary)
            order.insert(0, primary)
        return order


class ProductEditor:
    """The three forms of the product page, validated and saved together."""

    def __init__(self, *, store, product: Product | None = None, data=None, files=None):
        self.store = store
        self.product = product
        instance = product or Product(store=store)
        self.details = ProductForm(data, instance=instance)
        self.variants = VariantFormSet(data, instance=instance, prefix="variants", store=store)
        self.pictures = ProductImagesForm(data, files, product=product)
        self.errors: list[str] = []
        self.files_sent = bool(files and files.getlist("images"))

    def is_valid(self) -> bool:
        forms_valid = [self.details.is_valid(), self.variants.is_valid(), self.pictures.is_valid()]
        return all(forms_valid) and self._auction_unit_valid()

    def _auction_unit_valid(self) -> bool:
        """A product sold by auction is one unit: exactly one variant, with stock 1. A variant
        left at 0 that was already 0 passes: its unit was sold (or is being paid for)."""
        if self.details.cleaned_data.get("listing_type") != Product.Listing.AUCTION:
            return True
        kept = [
            form for form in self.variants.forms if not self.variants._should_delete_form(form) and form.cleaned_data
        ]
        if len(kept) != 1:
            message = _("A product sold by auction is one unit: keep exactly one variant (it has %(count)s).") % {
                "count": len(kept)
            }
            self.details.add_error("listing_type", message)
            return False
        form = kept[0]
        stock = form.cleaned_data["stock"]
        unit_sold = form.instance.pk is not None and stock == 0 and form.instance.stock == 0
        if stock != 1 and not unit_sold:
            form.add_error("stock", _("A product sold by auction is one unit: set the stock to 1."))
            self.details.add_error("listing_type", _("A product sold by auction is one unit: its variant's stock must be 1."))
            return False
        return True

    def variant_rows(self) -> list[tuple[VariantForm, bool]]:
        """Each variant form, and whether it is a blank spare row the seller may leave empty."""
        return [
            (form, index > 0 and form.instance.pk is None and not (form.is_bound and form.has_changed()))
            for index, form in enumerate(self.variants.forms)
        ]

    def add_error(self, error: ValidationError) -> None:
        self.errors.extend(error.messages)

    def stock_changed(self, error: StockChangedMeanwhile) -> None:
        """Mark each variant whose stock moved since the page was opened (nothing was saved)."""
        rows = {form.instance.pk: form for form in self.variants.forms if form.instance.pk}
        for conflict in error.conflicts:
            rows[conflict.edit.variant_id].stock_conflict(conflict)
        self.errors.append(_("The stock changed while you were editing: check the figures marked below and save again."))

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors or self.details.errors or self.pictures.errors or self.variants.total_error_count()
        )

    def save_kwargs(self) -> dict:
        return {
            "fields": self.details.service_fields(),
            "tags": self.details.cleaned_data["tags"],
            "variants": self.variants.variant_inputs(),
            "images_keep": self.pictures.keep_order(),
            "images_new": self.pictures.cleaned_data.get("images") or [],
            "image_variants": self.pictures.variant_assignments(),
        }


class IdListField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        ids = [id_or_none(item) for item in (value if isinstance(value, list | tuple) else [value] if value else [])]
        if None in ids:
            raise ValidationError(_("Choose products from the list."))
        return sorted(set(ids))


class BulkActionForm(forms.Form):
    ids = IdListField(label=gettext_lazy("Ids"), required=True, error_messages={"required": gettext_lazy("Tick at least one product first.")})
    action = forms.ChoiceField(label=gettext_lazy("Action"),
        choices=[("", gettext_lazy("Choose an action"))] + [(action, action.title()) for action in BULK_ACTIONS],
        error_messages={"required": gettext_lazy("Choose what to do with the ticked products."), "invalid_choice": gettext_lazy("Choose an action.")},
    )
    confirm = forms.BooleanField(label=gettext_lazy("Confirm"), required=False)
