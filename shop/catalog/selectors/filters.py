"""The shopper's filters and sorting for category pages and search, as one django-filter set.

Invalid input never fails the page: django-filter applies only the fields that validated,
and ``notices`` tells the shopper, in words, which ones were ignored and why.
"""

from decimal import Decimal
from functools import cached_property

import django_filters
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.choices import BaseChoiceIterator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.catalog.models import Product, Variant
from shop.catalog.selectors.colours import colour_label
from shop.catalog.selectors.products import (
    CategoryTree,
    product_search,
    scope_brands,
    scope_stores,
    scope_variant_attributes,
)
from shop.geo.selectors.distance import HaversineKm

SORT_CHOICES = [
    ("relevance", gettext_lazy("Best match")),
    ("newest", gettext_lazy("Newest")),
    ("price", gettext_lazy("Price: low to high")),
    ("-price", gettext_lazy("Price: high to low")),
    ("rating", gettext_lazy("Top rated")),
    ("popular", gettext_lazy("Most popular")),
    ("distance", gettext_lazy("Nearest to me")),
]
SORT_ORDER = {
    "newest": [F("published_at").desc(nulls_last=True), "-id"],
    "price": [F("min_price").asc(nulls_last=True), "-id"],
    "-price": [F("min_price").desc(nulls_last=True), "-id"],
    "rating": ["-rating_avg", "-rating_count", "-id"],
    "popular": ["-orders_count", "-id"],
}
DELIVERY_CHOICES = [
    ("local", gettext_lazy("Local delivery")),
    ("national", gettext_lazy("National delivery")),
    ("international", gettext_lazy("International delivery")),
    ("digital", gettext_lazy("Digital delivery")),
]
RATING_CHOICES = [("4", gettext_lazy("4 ★ and up")), ("3", gettext_lazy("3 ★ and up")), ("2", gettext_lazy("2 ★ and up"))]
MAX_PRICE = Decimal("9999999999")
# The filter options (brands, colours, sizes, stores) of a page's scope are kept this long:
# a new brand shows up in the select within minutes, and search pages skip three scans.
FACET_CACHE_SECONDS = getattr(settings, "SOKO_CATALOG_FACET_CACHE_SECONDS", 300)


class LazyChoices(BaseChoiceIterator):
    """Choices computed on first use (validation or rendering), then kept for the request.
    Shared, not copied, by the copies a form makes of its fields (they only read them): a
    listing's form is built on every rendered page, and copying its category choices was a
    few milliseconds of it."""

    def __init__(self, compute):
        self.compute = compute
        self._choices = None

    def __deepcopy__(self, memo):
        return self

    def _get(self) -> list:
        if self._choices is None:
            self._choices = list(self.compute())
        return self._choices

    def __iter__(self):
        return iter(self._get())

    def __len__(self):
        return len(self._get())


class CaseInsensitiveChoiceField(django_filters.fields.ChoiceField):
    """Accepts "samsung" for the choice "Samsung": shared links and hand-typed URLs vary in case."""

    def to_python(self, value):
        value = super().to_python(value)
        folded = value.casefold()
        for key, _label in self.choices:
            if str(key).casefold() == folded:
                return str(key)
        return value


class CaseInsensitiveChoiceFilter(django_filters.ChoiceFilter):
    field_class = CaseInsensitiveChoiceField


class ProductFilter(django_filters.FilterSet):
    # No max_length: a longer search is cut to its first words (shop.core.search), not ignored.
    q = django_filters.CharFilter(label=gettext_lazy("Search"), method="filter_search")
    category = django_filters.ChoiceFilter(label=gettext_lazy("Category"), method="filter_category", empty_label=gettext_lazy("All categories"))
    min_price = django_filters.NumberFilter(
        label=gettext_lazy("Price from"), field_name="min_price", lookup_expr="gte", min_value=0, max_value=MAX_PRICE
    )
    max_price = django_filters.NumberFilter(
        label=gettext_lazy("Price to"), field_name="min_price", lookup_expr="lte", min_value=0, max_value=MAX_PRICE
    )
    brand = CaseInsensitiveChoiceFilter(label=gettext_lazy("Brand"), field_name="brand", lookup_expr="iexact", empty_label=gettext_lazy("Any brand"))
    colour = CaseInsensitiveChoiceFilter(label=gettext_lazy("Colour"), method="filter_attribute", empty_label=gettext_lazy("Any colour"))
    size = CaseInsensitiveChoiceFilter(label=gettext_lazy("Size"), method="filter_attribute", empty_label=gettext_lazy("Any size"))
    condition = django_filters.ChoiceFilter(label=gettext_lazy("Condition"), choices=Product.Condition.choices, empty_label=gettext_lazy("Any condition"))
    delivery = django_filters.ChoiceFilter(
        label=gettext_lazy("Delivery"), choices=DELIVERY_CHOICES, method="filter_delivery", empty_label=gettext_lazy("Any delivery")
    )
    in_stock = django_filters.BooleanFilter(label=gettext_lazy("In stock only"), method="filter_in_stock", widget=forms.CheckboxInput)
    min_rating = django_filters.ChoiceFilter(
        label=gettext_lazy("Rating"), choices=RATING_CHOICES, method="filter_min_rating", empty_label=gettext_lazy("Any rating")
    )
    store = CaseInsensitiveChoiceFilter(label=gettext_lazy("Store"), field_name="store__slug", empty_label=gettext_lazy("Any store"))
    sort = django_filters.ChoiceFilter(label=gettext_lazy("Sort by"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None)
    lat = django_filters.NumberFilter(label=gettext_lazy("Your latitude"), method="filter_nothing", min_value=-90, max_value=90)
    lng = django_filters.NumberFilter(label=gettext_lazy("Your longitude"), method="filter_nothing", min_value=-180, max_value=180)

    def __init__(
        self, data=None, queryset=None, *, tree: CategoryTree, root_category=None, facet_cache_key: str = "", **kwargs
    ):
        data = data.copy() if data is not None else None
        if data is not None and not (data.get("q") or "").strip() and data.get("sort") == "relevance":
            # Best match means nothing without words to match; quietly show the newest.
            data.pop("sort")
        super().__init__(data, queryset, **kwargs)
        self.tree = tree
        self.root_category = root_category
        self.facet_cache_key = facet_cache_key
        self.notices: list[str] = []
        has_query = bool((self.data.get("q") or "").strip())
        self.filters["sort"].extra["choices"] = [choice for choice in SORT_CHOICES if has_query or choice[0] != "relevance"]
        self.filters["category"].extra["choices"] = LazyChoices(lambda: tree.indented_choices(root_category))
        if root_category is not None:
            self.filters["category"].extra["empty_label"] = _("All of %(name)s") % {"name": root_category.label}
        # Computed once per request, only if the form is rendered or a value needs checking.
        self.filters["brand"].extra["choices"] = LazyChoices(lambda: [(brand, brand) for brand in self.facets["brand"]])
        self.filters["colour"].extra["choices"] = LazyChoices(
            lambda: sorted(((value.lower(), colour_label(value)) for value in self.facets["colour"]), key=lambda choice: choice[1])
        )
        self.filters["size"].extra["choices"] = LazyChoices(lambda: [(value, value) for value in self.facets["size"]])
        self.filters["store"].extra["choices"] = LazyChoices(lambda: self.facets["store"])

    @cached_property
    def facets(self) -> dict:
        if self.facet_cache_key:
            cached = cache.get(self.facet_cache_key)
            if cached is not None:
                return cached
        facets = {
            "brand": scope_brands(self.queryset),
            "store": [(store.slug, store.name) for store in scope_stores(self.queryset)],
            **scope_variant_attributes(self.queryset),
        }
        if self.facet_cache_key:
            cache.set(self.facet_cache_key, facets, FACET_CACHE_SECONDS)
        return facets

    def filter_search(self, queryset: QuerySet, name, value) -> QuerySet:
        return product_search(queryset, query=value or "")

    def filter_category(self, queryset: QuerySet, name, value) -> QuerySet:
        category = self.tree.by_slug.get(value)
        if category is None:
            return queryset
        return queryset.filter(category_id__in=self.tree.descendant_ids(category))

    def filter_attribute(self, queryset: QuerySet, name, value) -> QuerySet:
        if not value:
            return queryset
        # One match among the variants is enough; Exists keeps each product once.
        matching = Variant.objects.filter(product=OuterRef("pk"), **{f"attributes__{name}__iexact": value})
        return queryset.filter(Exists(matching))

    def filter_delivery(self, queryset: QuerySet, name, value) -> QuerySet:
        return queryset.filter(**{f"store__delivers_{value}": True}) if value else queryset

    def filter_in_stock(self, queryset: QuerySet, name, value) -> QuerySet:
        return queryset.filter(in_stock=True) if value else queryset

    def filter_min_rating(self, queryset: QuerySet, name, value) -> QuerySet:
        return queryset.filter(rating_avg__gte=Decimal(value)) if value else queryset

    def filter_nothing(self, queryset: QuerySet, name, value) -> QuerySet:
        # Sorting and the shopper's location are applied after every filter, in filter_queryset.
        return queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        self._collect_error_notices()
        queryset = super().filter_queryset(queryset)
        cleaned = self.form.cleaned_data
        location = self.location
        if location is not None:
            queryset = queryset.annotate(distance_km=HaversineKm("store__latitude", "store__longitude", *location))
        sort = cleaned.get("sort") or ("relevance" if (cleaned.get("q") or "").strip() else "newest")
        if sort == "distance" and location is None:
            self.notices.append(_("To sort by distance, share your location with “Near me”. Showing the newest instead."))
            sort = "newest"
        self._sort_applied = sort
        if sort == "distance":
            # Stores without coordinates have a NULL distance: they come last.
            return queryset.order_by(F("distance_km").asc(nulls_last=True), "-published_at", "-id")
        if sort == "relevance":
            return queryset  # product_search ordered by rank
        return queryset.order_by(*SORT_ORDER[sort])

    @property
    def sort_value(self) -> str:
        """The order the results are actually in (after any fallback), for the sort select."""
        return getattr(self, "_sort_applied", "")

    def sidebar_fields(self) -> list:
        """The select filters worth showing: those with something to choose from."""
        present = {
            "category": bool(self.filters["category"].extra["choices"]),
            "brand": bool(self.facets["brand"]),
            "colour": bool(self.facets["colour"]),
            "size": bool(self.facets["size"]),
            "store": len(self.facets["store"]) > 1,
        }
        names = ["category", "brand", "colour", "size", "condition", "delivery", "min_rating", "store"]
        return [SidebarSelect(self.form[name]) for name in names if present.get(name, True)]

    @cached_property
    def location(self) -> tuple[Decimal, Decimal] | None:
        """The shopper's point, if both coordinates were given and valid."""
        cleaned = self.form.cleaned_data
        lat, lng = cleaned.get("lat"), cleaned.get("lng")
        if lat is None or lng is None:
            if (lat is None) != (lng is None) and "lat" not in self.form.errors and "lng" not in self.form.errors:
                self.notices.append(_("Your location needs both a latitude and a longitude; it was ignored."))
            return None
        return lat, lng

    def _collect_error_notices(self) -> None:
        for name, errors in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            if name in ("lat", "lng"):
                message = _("%(label)s: %(join)s Your location was ignored.") % {"label": label, "join": ' '.join(errors)}
            elif name == "sort":
                message = _("That sort order is not available; showing the default order.")
            else:
                message = _("%(label)s: %(join)s This filter was ignored.") % {"label": label, "join": ' '.join(errors)}
            self.notices.append(message)

    @property
    def active_count(self) -> int:
        """How many filters (not search, sort or location) the shopper has set."""
        cleaned = getattr(self.form, "cleaned_data", {})
        ignored = {"q", "sort", "lat", "lng"}
        return sum(1 for name, value in cleaned.items() if name not in ignored and value not in (None, "", False))


class SidebarSelect:
    """A select of the sidebar with its options worked out once, in Python: (value, label,
    selected) for each choice, which the template only prints."""

    def __init__(self, bound_field):
        self.html_name = bound_field.html_name
        self.id_for_label = bound_field.id_for_label
        self.label = bound_field.label
        current = "" if bound_field.value() is None else str(bound_field.value())
        self.options = [(value, label, str(value) == current) for value, label in bound_field.field.choices]
