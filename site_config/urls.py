from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

from couriers.urls import buyer_urlpatterns as buyer_courier_urls
from shop.accounts.preferences.views import currency_set, language_set
from shop.accounts.views import admin_login
from shop.media.views import media_serve
from shop.moderation.complaints.urls import store_urlpatterns as store_complaint_urls

from .sitemaps import SITEMAPS, robots_txt

admin.site.login = admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("shop.api.urls")),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"}, name="sitemap_index"),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("preferences/language/", language_set, name="language_set"),
    path("preferences/currency/", currency_set, name="currency_set"),
    # The page's strings for soko.js and the other scripts (gettext, ngettext, interpolate).
    # Pages ask for it with their language in the query string, so a browser may keep each
    # language's copy for an hour and a switch never serves the old one.
    path("jsi18n/", cache_control(max_age=3600, private=True)(JavaScriptCatalog.as_view()), name="javascript_catalog"),
    path("accounts/", include("shop.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("shop.notifications.urls")),
    path("cart/", include("shop.cart.urls")),
    path("checkout/", include("shop.orders.checkout_urls")),
    path("orders/", include("shop.orders.urls", namespace="orders")),
    path("orders/", include((buyer_courier_urls, "courier_buyer"))),
    # The development gateway's hosted pages: its app is installed only with DEBUG=1.
    *([path("payments/dev/", include("shop.devgateway.urls"))] if apps.is_installed("shop.devgateway") else []),
    path("payments/", include("shop.payments.urls")),
    path("dashboard/complaints/", include((store_complaint_urls, "store_complaints"))),
    path("dashboard/", include("sellers.urls.dashboard")),
    path("courier/", include("couriers.urls")),
    path("auctions/", include("shop.auctions.urls")),
    path("messages/", include("shop.chat.urls")),
    path("reviews/", include("shop.reviews.urls")),
    path("returns/", include("returns.urls")),
    path("points/", include("shop.promotions.urls")),
    path("blog/", include("shop.blog.urls")),
    path("", include("shop.moderation.urls")),
    path("complaints/", include("shop.moderation.complaints.urls")),
    path("", include("sellers.urls.public")),
    path("", include("shop.catalog.urls")),
    path("", include("shop.core.urls")),
]

if settings.SOKO_SERVE_MEDIA:
    # Public pictures from this process (a proxy or a bucket does it better: see the README).
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_serve, name="media"))

handler403 = "shop.core.views.permission_denied"
handler404 = "shop.core.views.page_not_found"
handler500 = "shop.core.views.server_error"
