"""The catalogue, as the pages show it: the same search, filters and order
(``ProductFilter``), the same visibility (``Product.objects.visible``), the same store
directory. Reads carry an ETag; a client that sends it back in ``If-None-Match`` gets a
304 with no body."""

from django.middleware.http import ConditionalGetMiddleware
from django.utils.decorators import decorator_from_middleware, method_decorator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny

from sellers.forms import StoreDirectoryForm
from sellers.selectors import store_directory, store_get_public, store_products
from shop.catalog.selectors.filters import ProductFilter
from shop.catalog.selectors.products import category_tree, product_cards, product_get_visible, product_scope
from shop.catalog.services.stamp import catalog_stamp

from ..pagination import Cursor
from ..queries import filter_schemas, form_schemas, query_parameters, query_read
from ..serializers.catalog import CategorySerializer, ProductCardSerializer, ProductSerializer, StoreSerializer

conditional_get = method_decorator(decorator_from_middleware(ConditionalGetMiddleware), name="dispatch")


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


PRODUCT_QUERY = filter_schemas(ProductFilter)


@conditional_get
@extend_schema(
    parameters=query_parameters(((name, f.label) for name, f in ProductFilter.base_filters.items()), PRODUCT_QUERY)
)
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
        self.notices = query_read(filterset.form, PRODUCT_QUERY)
        products = product_cards(filterset.qs)
        self.notices = filterset.notices  # the ignored values, and a sort that fell back
        return products


@conditional_get
class ProductDetail(_Catalogue, generics.RetrieveAPIView):
    """A listing with its variants (price, sale, what each has in stock) and pictures."""

    serializer_class = ProductSerializer
    lookup_field = "slug"

    def get_object(self):
        return product_get_visible(slug=self.kwargs["slug"], user=self.request.user)


STORE_QUERY = form_schemas(StoreDirectoryForm)


@conditional_get
@extend_schema(
    parameters=query_parameters(((name, f.label) for name, f in StoreDirectoryForm.base_fields.items()), STORE_QUERY)
)
class StoreList(_Catalogue, generics.ListAPIView):
    """The stores directory: search by name, category or tag, delivery scope, open now,
    sorted by popularity, rating, name or distance (with ``lat`` and ``lng``)."""

    serializer_class = StoreSerializer
    pagination_class = Cursor

    def get_queryset(self):
        form = StoreDirectoryForm(self.request.query_params)
        self.notices = query_read(form, STORE_QUERY)
        query = form.directory_query()
        if query.sort == "distance" and query.latitude is None:  # the directory sorts by name then
            self.notices.append(_("To sort by distance, send lat and lng; sorted by name instead."))
        return store_directory(query=query)


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
