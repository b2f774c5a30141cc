"""The catalogue, as the pages show it: the same search, filters and order
(``ProductFilter``), the same visibility (``Product.objects.visible``), the same store
directory. Reads carry an ETag; a client that sends it back in ``If-None-Match`` gets a
304 with no body."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext as _
from django_filters import BooleanFilter, ChoiceFilter, NumberFilter
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny

from sellers.selectors import DELIVERY_SCOPE_FIELDS, DirectoryQuery, store_directory, store_get_public, store_products
from shop.catalog.selectors.filters import ProductFilter
from shop.catalog.selectors.products import category_tree, product_cards, product_get_visible, product_scope
from shop.catalog.services.stamp import catalog_stamp

from ..pagination import Cursor
from ..serializers.catalog import CategorySerializer, ProductCardSerializer, ProductSerializer, StoreSerializer

conditional_get = method_decorator(decorator_from_middleware(ConditionalGetMiddleware), name="dispatch")


def _filter_parameters(filterset_class) -> list[OpenApiParameter]:
    """The product search's query parameters, read from the filter set the pages use."""
    parameters = []
    for name, filter_ in filterset_class.base_filters.items():
        if isinstance(filter_, NumberFilter):
            kind = float
        elif isinstance(filter_, BooleanFilter):
            kind = bool
        else:
            kind = str
        choices = filter_.extra.get("choices")
        enum = [value for value, _label in choices] if isinstance(filter_, ChoiceFilter) and isinstance(choices, list) else None
        parameters.append(OpenApiParameter(name, kind, description=str(filter_.label or ""), enum=enum))
    return parameters


class _Catalogue:
    permission_classes = [AllowAny]

    def stamp(self) -> str:
        return catalog_stamp(self.request._request)


@conditional_get
class CategoryList(_Catalogue, generics.ListAPIView):
    """Every category, parents before their children, in the order the site shows them."""

    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        tree = category_tree(stamp=self.stamp())
        ordered = []

        def walk(parent_id):
            for category in tree.children.get(parent_id, []):
                category.parent = category.parent_in_tree
                ordered.append(category)
                walk(category.pk)

        walk(None)
        return ordered


@conditional_get
@extend_schema(parameters=_filter_parameters(ProductFilter))
class ProductList(_Catalogue, generics.ListAPIView):
    """Search and browse listings: the search page's words (typo-tolerant), filters and
    sort orders; with ``lat`` and ``lng``, each result's distance from that point."""

    serializer_class = ProductCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        stamp = self.stamp()
        params = self.request.query_params.copy()
        params.pop(Cursor.cursor_query_param, None)
        filterset = ProductFilter(
            params,
            queryset=product_scope(),
            tree=category_tree(stamp=stamp),
            facet_cache_key=f"catalog:facets:all:{stamp}",
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        products = product_cards(filterset.qs)
        if filterset.notices:  # a sort that needs a location without one
            raise ValidationError({"sort": filterset.notices})
        return products


@conditional_get
class ProductDetail(_Catalogue, generics.RetrieveAPIView):
    """A listing with its variants (price, sale, what each has in stock) and pictures."""

    serializer_class = ProductSerializer
    lookup_field = "slug"

    def get_object(self):
        return product_get_visible(slug=self.kwargs["slug"], user=self.request.user)


class StoreQuery(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.SlugField(required=False)
    delivers = serializers.MultipleChoiceField(choices=sorted(DELIVERY_SCOPE_FIELDS), required=False)
    open_now = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=["name", "rating", "popular", "distance"], required=False, default="name")
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False)

    def validate(self, data):
        if data.get("sort") == "distance" and (data.get("lat") is None or data.get("lng") is None):
            raise serializers.ValidationError({"sort": [_("To sort by distance, send lat and lng.")]})
        return data


@conditional_get
@extend_schema(parameters=[StoreQuery])
class StoreList(_Catalogue, generics.ListAPIView):
    """The stores directory: search by name, category or tag, delivery scope, open now,
    sorted by name, rating, popularity or distance."""

    serializer_class = StoreSerializer
    pagination_class = Cursor

    def get_queryset(self):
        query = StoreQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        category = None
        if data.get("category"):
            category = category_tree(stamp=self.stamp()).by_slug.get(data["category"])
            if category is None:
                raise ValidationError({"category": [_("No such category.")]})
        return store_directory(
            query=DirectoryQuery(
                q=data.get("q", ""),
                category=category,
                scopes=tuple(sorted(data.get("delivers") or ())),
                open_now=data["open_now"],
                sort=data["sort"],
                latitude=data.get("lat"),
                longitude=data.get("lng"),
            )
        )


@conditional_get
class StoreDetail(_Catalogue, generics.RetrieveAPIView):
    """A store's public profile: what it sells, where it delivers, its opening hours."""

    serializer_class = StoreSerializer
    lookup_field = "slug"

    def get_object(self):
        return store_get_public(slug=self.kwargs["slug"])


@conditional_get
class StoreProductList(_Catalogue, generics.ListAPIView):
    """The listings a store's page shows, newest first."""

    serializer_class = ProductCardSerializer
    pagination_class = Cursor

    def get_queryset(self):
        store = store_get_public(slug=self.kwargs["slug"])
        return store_products(store=store, user=self.request.user)


