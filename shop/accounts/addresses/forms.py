from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from shop.accounts.models import Address
from shop.geo.forms import AreaFieldsMixin

COORDINATE_PLACES = Decimal("0.000001")


class AddressForm(AreaFieldsMixin, forms.ModelForm):
    """An address in the book. The area is the deepest of the cascading selects, which must
    go down as far as the tree does (a district that has neighbourhoods needs one)."""

    area_options_url_name = "accounts:address_area_options"
    area_required_message = gettext_lazy("Choose the country.")
    area_to_the_last_level = True

    latitude = forms.DecimalField(label=gettext_lazy("Latitude"),
        required=False, min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    longitude = forms.DecimalField(label=gettext_lazy("Longitude"),
        required=False, min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    make_default = forms.BooleanField(label=gettext_lazy("Use as my default address"), required=False)

    class Meta:
        model = Address
        fields = ["label", "recipient", "phone", "street", "latitude", "longitude"]
        labels = {"recipient": gettext_lazy("Recipient's name"), "street": gettext_lazy("Street, building and landmark")}
        help_texts = {"label": gettext_lazy("e.g. Work, Mum's place; left empty, it is “Home”.")}
        widgets = {
            "label": forms.TextInput(attrs={"placeholder": pgettext_lazy("address", "Home")}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.TextInput(attrs={"autocomplete": "street-address", "placeholder": gettext_lazy("e.g. Muthithi Rd, Apple Court flat 4")}),
        }

    def __init__(self, *args, inline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Inline at checkout the fields hide while a saved address is chosen; the browser
        # must not insist on them then (the server checks them when they are used).
        self.use_required_attribute = not inline
        # The first address becomes the default anyway, and the default stays one until another is chosen.
        has_default = Address.objects.filter(user_id=self.instance.user_id, is_default=True).exists()
        if (self.instance.pk and self.instance.is_default) or not has_default:
            del self.fields["make_default"]
        self.area_fields_add()

    def clean_latitude(self):
        value = self.cleaned_data["latitude"]
        return None if value is None else value.quantize(COORDINATE_PLACES)

    def clean_longitude(self):
        value = self.cleaned_data["longitude"]
        return None if value is None else value.quantize(COORDINATE_PLACES)

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not {"latitude", "longitude"} & set(self.errors):
            self.add_error("longitude" if longitude is None else "latitude", _("Give both latitude and longitude, or neither."))
        chosen = self.area_levels_check(cleaned)
        if chosen is not None:
            self.instance.area = chosen[1]
        return cleaned
