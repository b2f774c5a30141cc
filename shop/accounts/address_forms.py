from decimal import Decimal

from django import forms
from django.urls import reverse

from shop.geo.models import Area, AreaKind

from .models import Address

# One select per level of the area tree, each filled with the children of the choice above.
AREA_LEVELS = (
    ("country", AreaKind.COUNTRY, "Country"),
    ("region", AreaKind.REGION, "Region"),
    ("district", AreaKind.DISTRICT, "Town or district"),
    ("neighbourhood", AreaKind.NEIGHBOURHOOD, "Neighbourhood"),
)
COORDINATE_PLACES = Decimal("0.000001")


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name  # the select above already says where it is


def _area_path(area: Area | None) -> list[Area]:
    from shop.geo.selectors import area_ancestors

    return [*area_ancestors(area=area), area] if area is not None else []


class AddressForm(forms.ModelForm):
    """An address in the book. The area is the deepest of the cascading selects, which must
    go down as far as the tree does (a district that has neighbourhoods needs one)."""

    latitude = forms.DecimalField(
        required=False, min_value=-90, max_value=90, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    longitude = forms.DecimalField(
        required=False, min_value=-180, max_value=180, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
    )
    make_default = forms.BooleanField(label="Use as my default address", required=False)

    class Meta:
        model = Address
        fields = ["label", "recipient", "phone", "street", "latitude", "longitude"]
        labels = {"recipient": "Recipient's name", "street": "Street, building and landmark"}
        help_texts = {"label": "e.g. Home, Work"}
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "recipient": forms.TextInput(attrs={"autocomplete": "name"}),
            "street": forms.TextInput(attrs={"autocomplete": "street-address", "placeholder": "e.g. Muthithi Rd, Apple Court flat 4"}),
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
        self._area_fields_set_up()

    def _area_fields_set_up(self) -> None:
        selected = {area.kind: area.pk for area in _area_path(self.instance.area if self.instance.area_id else None)}
        options_url = reverse("accounts:address_area_options")
        parent_id = None
        for position, (name, kind, label) in enumerate(AREA_LEVELS):
            if position == 0:
                queryset = Area.objects.filter(parent__isnull=True, kind=kind)
            elif parent_id is None:
                queryset = Area.objects.none()
            else:
                queryset = Area.objects.filter(parent_id=parent_id)
            field = AreaChoiceField(
                queryset=queryset,
                required=position == 0,
                label=label,
                empty_label="—",
                error_messages={
                    "required": "Choose the country.",
                    "invalid_choice": f"Choose a {label.lower()} in the area above; the list now shows them.",
                },
                widget=forms.Select(attrs={"autocomplete": "off"}),
            )
            if position + 1 < len(AREA_LEVELS):
                below = AREA_LEVELS[position + 1][0]
                field.widget.attrs.update(
                    {"hx-get": options_url, "hx-target": f"#id_{below}", "hx-trigger": "change", "hx-swap": "innerHTML"}
                )
            self.fields[name] = field
            if self.is_bound:
                value = self.data.get(name) or None
                parent_id = value if value and str(value).isdigit() else None
            else:
                parent_id = selected.get(kind)
                field.initial = parent_id

    def area_fields(self):
        return [self[name] for name, _kind, _label in AREA_LEVELS]

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
            self.add_error("longitude" if longitude is None else "latitude", "Give both latitude and longitude, or neither.")
        if any(name in self.errors for name, _kind, _label in AREA_LEVELS):
            return cleaned
        chosen = [(name, cleaned.get(name)) for name, _kind, _label in AREA_LEVELS]
        deepest = next(((name, area) for name, area in reversed(chosen) if area is not None), None)
        if deepest is None:
            return cleaned
        name, area = deepest
        position = [level[0] for level in AREA_LEVELS].index(name)
        if position + 1 < len(AREA_LEVELS) and area.children.exists():
            below, _kind, label = AREA_LEVELS[position + 1]
            self.add_error(below, f"Choose a {label.lower()} in {area.name}.")
            return cleaned
        self.instance.area = area
        return cleaned
