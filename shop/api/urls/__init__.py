"""/api/v1/: the JSON API (docs/API.md), one module per area. Signing in, the e-mail code, the authenticator
step, refreshing and signing out are allauth's headless "app" client, mounted here."""

from allauth.headless.constants import Client
from allauth.headless.urls import build_urlpatterns
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ..problems import not_found_view
from ..views import accounts, catalog, favorites

app_name = "api"

v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/docs.html"), name="docs"
    ),
    path("me/", accounts.Me.as_view(), name="me"),
    path("areas/", accounts.AreaList.as_view(), name="areas"),
    path("categories/", catalog.CategoryList.as_view(), name="categories"),
    path("products/", catalog.ProductList.as_view(), name="products"),
    path("products/<slug:slug>/", catalog.ProductDetail.as_view(), name="product"),
    path("stores/", catalog.StoreList.as_view(), name="stores"),
    path("stores/<slug:slug>/", catalog.StoreDetail.as_view(), name="store"),
    path("stores/<slug:slug>/products/", catalog.StoreProductList.as_view(), name="store_products"),
    path("favorites/", favorites.FavoriteList.as_view(), name="favorites"),
    path("favorites/products/<slug:slug>/", favorites.ProductFavorite.as_view(), name="product_favorite"),
    path(
        "favorites/products/<slug:slug>/toggle/",
        favorites.ProductFavoriteToggle.as_view(),
        name="product_favorite_toggle",
    ),
    path("favorites/stores/<slug:slug>/", favorites.StoreFavorite.as_view(), name="store_favorite"),
    path("favorites/stores/<slug:slug>/toggle/", favorites.StoreFavoriteToggle.as_view(), name="store_favorite_toggle"),
    # Each area's endpoints, in a module of its own.
    path("", include("shop.api.urls.buying")),
    path("", include("shop.api.urls.orders")),
    path("", include("shop.api.urls.selling")),
    path("", include("shop.api.urls.auctions")),
    path("", include("shop.api.urls.chat")),
    path("", include("shop.api.urls.couriers")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("", include((build_urlpatterns(Client.APP), "headless"), namespace="auth")),
    re_path(r"^", not_found_view),
]
