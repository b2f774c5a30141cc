from collections import defaultdict
from decimal import Decimal

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Category
from shop.core.search import SEARCH_MAX_LENGTH
from shop.geo.forms import AreaFieldsMixin
from shop.media.forms import ImageUploadField
from shop.media.services.validation import ACCEPT

from . import validators
from .models import Store, StoreHours
from .selectors import DELIVERY_SCOPE_FIELDS, RESERVED_SLUGS, DirectoryQuery, store_slug_free
from .services import HoursInput

COORDINATE_PLACES = Decimal("0.000001")


class StoreSlugMixin:
    def clean_slug(self):
        typed = self.cleaned_data["slug"]
        slug = slugify(typed)
        if not slug:
            if not typed.strip() and not self.fields["slug"].required:
                return ""  # made from the name in clean()
            raise forms.ValidationError(_("Use letters, numbers and dashes, e.g. mama-njeri-crafts."))
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("That web address is reserved; please choose another."))
        taken = Store.objects.filter(slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("A store already uses that web address; %(store_slug_free)s is free, or choose another.") % {"store_slug_free": store_slug_free(name=slug)}
            )
        return slug


def _slug_field(*, required: bool = True) -> forms.CharField:
    # A plain text field, so "Mama Njeri Crafts" is turned into a slug instead of refused.
    return forms.CharField(
        label=gettext_lazy("Web address"),
        max_length=60,
        required=required,
        help_text=gettext_lazy("The end of your store page's web address: letters, numbers and dashes, e.g. mama-njeri-crafts."),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false", "data-slug-input": ""}),
    )


class StoreSetupForm(StoreSlugMixin, forms.ModelForm):
    slug = _slug_field(required=False)
    area = forms.CharField(
        label=gettext_lazy("Area"),
        max_length=120,
        help_text=gettext_lazy("Town or neighbourhood you sell from, e.g. Westlands, Nairobi. You can pick it on a map later."),
    )

    class Meta:
        model = Store
        fields = ["name", "slug", "phone"]
        labels = {"name": gettext_lazy("Store name")}
        widgets = {
            "name": forms.TextInput(attrs={"data-slug-source": ""}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].help_text = _("Left empty, it is made from your store's name. Letters, numbers and dashes.")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("slug") and cleaned.get("name") and "slug" not in self.errors:
            cleaned["slug"] = store_slug_free(name=cleaned["name"])
        return cleaned


def time_zone_choices() -> list:
    """Time zones grouped by continent, as a select's option groups."""
    groups: dict[str, list] = defaultdict(list)
    for name in sorted(validators.time_zone_names()):
        continent, _, place = name.partition("/")
        if place and continent not in {"Etc", "SystemV", "US", "posix", "right"}:
            groups[continent].append((name, place.replace("_", " ")))
        elif name == "UTC":
            groups["UTC"].append((name, "UTC"))
    return [(continent, sorted(zones, key=lambda zone: zone[1])) for continent, zones in sorted(groups.items())]


class StoreSettingsForm(StoreSlugMixin, AreaFieldsMixin, forms.ModelForm):
    """Everything a store page shows that the seller controls. Rating, order count and
    the verified badge are not here: staff and the marketplace set those."""

    area_options_url_name = "sellers:area_options"
    area_required_message = gettext_lazy("Choose the country you sell from.")

    slug = _slug_field()
    logo_upload = ImageUploadField(
        label=gettext_lazy("Logo"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("A square picture works best. JPEG, PNG, WebP or GIF."),
    )
    remove_logo = forms.BooleanField(label=gettext_lazy("Remove the logo"), required=False)
    cover_upload = ImageUploadField(
        label=gettext_lazy("Cover picture"), required=False, widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("Shown wide across the top of your store page."),
    )
    remove_cover = forms.BooleanField(label=gettext_lazy("Remove the cover picture"), required=False)
    categories = forms.ModelMultipleChoiceField(label=gettext_lazy("Categories"),
        queryset=Category.objects.filter(parent__isnull=True).order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("Where shoppers browsing the stores directory find you."),
    )
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), help_text=gettext_lazy("Your opening hours are in this time zone."))
    latitude = forms.DecimalField(label=gettext_lazy("Latitude"),
        required=False, min_value=-90, max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(label=gettext_lazy("Longitude"),
        required=False, min_value=-180, max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    x_handle = forms.CharField(label=gettext_lazy("X (Twitter)"), required=False, max_length=40, help_text=gettext_lazy("e.g. @mamanjeri"))
    discord = forms.CharField(label=gettext_lazy("Discord"),
        required=False, max_length=60, help_text=gettext_lazy("Your username (mama.njeri) or an invite link (discord.gg/abc123).")
    )
    telegram = forms.CharField(label=gettext_lazy("Telegram"), required=False, max_length=60, help_text=gettext_lazy("e.g. @mamanjeri"))
    ens_name = forms.CharField(
        label=gettext_lazy("ENS name"), required=False, max_length=255,
        help_text=gettext_lazy("An Ethereum Name Service name ending in .eth, e.g. mamanjeri.eth."),
    )

    class Meta:
        model = Store
        fields = [
            "name", "slug", "tagline", "description", "phone", "email", "categories", "tags",
            "delivers_local", "delivers_national", "delivers_international", "delivers_digital", "courier_fee_payer",
            "return_window_days", "area_label", "latitude", "longitude", "time_zone", "x_handle", "discord", "telegram", "ens_name",
        ]
        labels = {"name": gettext_lazy("Store name"), "email": gettext_lazy("Email for shoppers")}
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "description": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices()
        self.fields["tags"].help_text = _("Comma separated, e.g. kikoi, baskets, beadwork.")
        self.area_fields_add()

    def clean_tags(self):
        return validators.tags_normalise(self.cleaned_data["tags"])

    def clean_x_handle(self):
        value = self.cleaned_data["x_handle"]
        return validators.x_handle_normalise(value) if value.strip() else ""

    def clean_discord(self):
        value = self.cleaned_data["discord"]
        return validators.discord_normalise(value) if value.strip() else ""

    def clean_telegram(self):
        value = self.cleaned_data["telegram"]
        return validators.telegram_normalise(value) if value.strip() else ""

    def clean_ens_name(self):
        value = self.cleaned_data["ens_name"]
        return validators.ens_name_normalise(value) if value.strip() else ""

    def clean_latitude(self):
        return _coordinate(self.cleaned_data["latitude"])

    def clean_longitude(self):
        return _coordinate(self.cleaned_data["longitude"])

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(self.errors):
            self.add_error("longitude" if longitude is None else "latitude", _("Give both latitude and longitude, or neither."))
        chosen = self.area_chosen(cleaned)
        if chosen is not None:
            self.instance.area = chosen[1]
        for kind in ("logo", "cover"):
            if cleaned.get(f"{kind}_upload") and cleaned.get(f"remove_{kind}"):
                cleaned[f"remove_{kind}"] = False
        return cleaned


def _coordinate(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(COORDINATE_PLACES)


TIME_ATTRS = {"type": "time", "class": "form-control form-control-sm"}


class HoursForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Weekday"), choices=StoreHours.Weekday.choices, coerce=int, widget=forms.HiddenInput)
    opens = forms.TimeField(required=False, label=gettext_lazy("Opens"), widget=forms.TimeInput(attrs=TIME_ATTRS, format="%H:%M"))
    closes = forms.TimeField(required=False, label=gettext_lazy("Closes"), widget=forms.TimeInput(attrs=TIME_ATTRS, format="%H:%M"))
    closed = forms.BooleanField(required=False, label=gettext_lazy("Closed"), widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    @property
    def weekday_label(self) -> str:
        value = self.initial.get("weekday") if not self.is_bound else self.data.get(self.add_prefix("weekday"))
        try:
            return StoreHours.Weekday(int(value)).label
        except (TypeError, ValueError):
            return ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("closed"):
            cleaned["opens"] = cleaned["closes"] = None
        elif (cleaned.get("opens") is None) != (cleaned.get("closes") is None) and not self.errors:
            raise forms.ValidationError(_("Give both the opening and the closing time, or tick Closed."))
        return cleaned


class BaseHoursFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        # A row left untouched has no cleaned weekday (None), which sorts with nothing.
        weekdays = [form.cleaned_data.get("weekday") for form in self.forms]
        if None in weekdays or sorted(weekdays) != list(range(7)):
            raise forms.ValidationError(_("Give hours for each day of the week once."))

    def opening_hours(self) -> list[HoursInput]:
        """The days that have hours (times, or closed); days left blank have none."""
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if data["closed"] or data["opens"] is not None:
                rows.append(HoursInput(weekday=data["weekday"], opens=data["opens"], closes=data["closes"], closed=data["closed"]))
        return rows


HoursFormSet = forms.formset_factory(HoursForm, formset=BaseHoursFormSet, extra=0, max_num=7, absolute_max=7, validate_max=True)


class EnsSignatureForm(forms.Form):
    """A Sign-In with Ethereum message the settings page issued, and its signature pasted back."""

    message = forms.CharField(
        label=gettext_lazy("Message to sign"), max_length=4000, strip=False,
        widget=forms.Textarea(
            attrs={"rows": 12, "readonly": True, "spellcheck": "false", "form": "ens-verify-form", "class": "font-monospace small"}
        ),
    )
    signature = forms.CharField(
        label=gettext_lazy("Signature"), max_length=4200,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off", "spellcheck": "false", "placeholder": "0x…", "form": "ens-verify-form",
                "class": "font-monospace",
            }
        ),
    )


class StoreInviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Email address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "placeholder": gettext_lazy("name@example.com")}),
    )


SORT_CHOICES = [
    ("popular", gettext_lazy("Most popular")),
    ("rating", gettext_lazy("Best rated")),
    ("distance", gettext_lazy("Nearest")),
    ("name", gettext_lazy("Name")),
]


SCOPE_LABELS = {"local": gettext_lazy("Local"), "national": gettext_lazy("National"), "international": gettext_lazy("International"), "digital": gettext_lazy("Digital")}


class StoreDirectoryForm(forms.Form):
    """The stores directory's search box and filters: a GET form that works without JS."""

    # No max_length: a longer search is cut to its first words (search_words), not ignored.
    q = forms.CharField(
        required=False, label=gettext_lazy("Search stores"),
        widget=forms.SearchInput(
            attrs={"placeholder": gettext_lazy("Store name, category or tag"), "autocomplete": "off", "maxlength": SEARCH_MAX_LENGTH}
        ),
    )
    category = forms.ModelChoiceField(label=gettext_lazy("Category"),
        queryset=Category.objects.filter(parent__isnull=True).order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All categories"),
    )
    scope = forms.MultipleChoiceField(
        label=gettext_lazy("Delivers"),
        required=False,
        choices=[(key, SCOPE_LABELS[key]) for key in DELIVERY_SCOPE_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )
    open_now = forms.BooleanField(label=gettext_lazy("Open now"), required=False)
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False, label=gettext_lazy("Sort by"))
    lat = forms.DecimalField(label=gettext_lazy("Lat"), required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.DecimalField(label=gettext_lazy("Lng"), required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    def directory_query(self) -> DirectoryQuery:
        """What to show: the valid parts of the request; a bad value is ignored, not fatal."""
        self.is_valid()
        data = self.cleaned_data
        latitude, longitude = data.get("lat"), data.get("lng")
        if latitude is None or longitude is None:
            latitude = longitude = None
        sort = data.get("sort") or ("distance" if latitude is not None else "popular")
        return DirectoryQuery(
            q=(data.get("q") or "").strip(),
            category=data.get("category"),
            scopes=tuple(data.get("scope") or ()),
            open_now=bool(data.get("open_now")),
            sort=sort,
            latitude=latitude,
            longitude=longitude,
        )

    @property
    def has_location(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return data.get("lat") is not None and data.get("lng") is not None
