"""The cascading area selects, country → region → district → neighbourhood, that the store
settings and the address book both use: each select offers the children of the choice above."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.ids import id_or_none

from .models import Area, AreaKind
from .selectors.areas import area_path

AREA_LEVELS = (
    ("country", AreaKind.COUNTRY, gettext_lazy("Country")),
    ("region", AreaKind.REGION, gettext_lazy("Region")),
    ("district", AreaKind.DISTRICT, gettext_lazy("Town or district")),
    ("neighbourhood", AreaKind.NEIGHBOURHOOD, gettext_lazy("Neighbourhood")),
)
AREA_FIELD_NAMES = tuple(name for name, _kind, _label in AREA_LEVELS)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        # The select above already says where it is; the full name would also cost a query per option.
        return obj.name


class AreaFieldsMixin:
    """For a model form whose instance has an ``area``: one select per level of AREA_LEVELS.

    Bound to a parent that was just changed without JavaScript, a stale choice below is
    refused and the select shows the new parent's children to pick from.
    """

    area_options_url_name: str  # the endpoint that lists the options for the select below
    area_required_message: str

    def area_fields_add(self) -> None:
        area = self.instance.area if self.instance.area_id else None
        selected = {ancestor.kind: ancestor.pk for ancestor in area_path(area=area)}
        options_url = reverse(self.area_options_url_name)
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
                    "required": self.area_required_message,
                    "invalid_choice": _("Choose a %(lower)s in the area above; the list now shows them.") % {"lower": label.lower()},
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
                parent_id = id_or_none(self.data.get(name))
            else:
                parent_id = selected.get(kind)
                field.initial = parent_id

    def area_fields(self):
        return [self[name] for name in AREA_FIELD_NAMES]

    def area_chosen(self, cleaned: dict) -> tuple[int, Area] | None:
        """The deepest select with a choice, as (its position in AREA_LEVELS, the area);
        None when nothing is chosen or one of the selects refused its choice."""
        if any(name in self.errors for name in AREA_FIELD_NAMES):
            return None
        for position in reversed(range(len(AREA_LEVELS))):
            area = cleaned.get(AREA_LEVELS[position][0])
            if area is not None:
                return position, area
        return None
