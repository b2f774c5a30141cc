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
    # A level below the country marked required (its asterisk) is checked by the form with
    # the levels around it (one sentence for all that are missing), not on its own.
    checked_by_form = False

    def label_from_instance(self, obj):
        # The select above already says where it is; the full name would also cost a query per option.
        return obj.name

    def validate(self, value):
        if not self.checked_by_form:
            super().validate(value)


class AreaLevelSelect(forms.Select):
    """A select whose ``required`` attribute says only what the browser can know: its
    options are those of the choice above, which htmx may read again with none."""

    browser_knows = True

    def use_required_attribute(self, initial):
        return self.browser_knows and super().use_required_attribute(initial)


# What an address still needs when a level is chosen and the tree goes deeper: (the level
# missing, the levels under it that its choice will have) -> the sentence, named in full
# so that each language can say it its own way.
LEVELS_MISSING = {
    ("region", ()): gettext_lazy("Choose a region in %(name)s."),
    ("region", ("district",)): gettext_lazy("Choose a region in %(name)s, then its town or district."),
    ("region", ("district", "neighbourhood")): gettext_lazy(
        "Choose a region in %(name)s, then its town or district and its neighbourhood."
    ),
    ("district", ()): gettext_lazy("Choose a town or district in %(name)s."),
    ("district", ("neighbourhood",)): gettext_lazy("Choose a town or district in %(name)s, then its neighbourhood."),
    ("neighbourhood", ()): gettext_lazy("Choose a neighbourhood in %(name)s."),
}


class AreaFieldsMixin:
    """For a model form whose instance has an ``area``: one select per level of AREA_LEVELS.

    Bound to a parent that was just changed without JavaScript, a stale choice below is
    refused and the select shows the new parent's children to pick from.
    """

    area_options_url_name: str  # the endpoint that lists the options for the select below
    area_required_message: str
    # The area goes down as far as the tree does (an address): every level is marked
    # required, and ``area_levels_check`` says in one go every level still missing.
    area_to_the_last_level = False

    def area_fields_add(self) -> None:
        area = self.instance.area if self.instance.area_id else None
        selected = {ancestor.kind: ancestor.pk for ancestor in area_path(area=area)}
        options_url = reverse(self.area_options_url_name)
        parent_id = None
        below_a_last_level = False  # the choice above has nothing under it: this level does not apply
        for position, (name, kind, label) in enumerate(AREA_LEVELS):
            if position == 0:
                queryset = Area.objects.filter(parent__isnull=True, kind=kind)
            elif parent_id is None:
                queryset = Area.objects.none()
            else:
                queryset = Area.objects.filter(parent_id=parent_id)
                below_a_last_level = below_a_last_level or (self.area_to_the_last_level and not queryset.exists())
            lower_level = position > 0
            field = AreaChoiceField(
                queryset=queryset,
                required=position == 0 or (self.area_to_the_last_level and not below_a_last_level),
                label=label,
                empty_label="—",
                error_messages={
                    "required": self.area_required_message,
                    "invalid_choice": _("Choose a %(lower)s in the area above; the list now shows them.") % {"lower": label.lower()},
                },
                widget=AreaLevelSelect(attrs={"autocomplete": "off"}),
            )
            field.checked_by_form = lower_level
            # Below the country the options are known only once the level above is chosen.
            field.widget.browser_knows = not lower_level or parent_id is not None
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

    def area_levels_check(self, cleaned: dict) -> tuple[int, Area] | None:
        """The deepest area chosen, as ``area_chosen``, once every level that the tree has
        under it is chosen too; else ``None``, with one error on the first level missing that
        names the levels its choice will still need."""
        chosen = self.area_chosen(cleaned)
        if chosen is None:
            return None
        position, area = chosen
        if position + 1 == len(AREA_LEVELS) or not area.children.exists():
            return chosen
        missing = AREA_LEVELS[position + 1][0]
        further = tuple(
            name
            for depth, (name, kind, _label) in enumerate(AREA_LEVELS[position + 2 :], start=2)
            if Area.objects.filter(kind=kind, **{"__".join(["parent"] * depth): area}).exists()
        )
        self.add_error(missing, LEVELS_MISSING[missing, further] % {"name": area.name})
        return None

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
