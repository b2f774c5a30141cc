from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shop.accounts.views import admin_login
from shop.media.views import media_serve

admin.site.login = admin_login

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("shop.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("notifications/", include("shop.notifications.urls")),
    path("cart/", include("shop.cart.urls")),
    path("checkout/", include("shop.orders.checkout_urls")),
    path("orders/", include("shop.orders.urls", namespace="orders")),
    path("dashboard/", include("sellers.urls")),
    path("courier/", include("couriers.urls")),
    path("", include("sellers.public_urls")),
    path("", include("shop.catalog.urls")),
    path("", include("shop.core.urls")),
]

if settings.SOKO_SERVE_MEDIA:
    # Public pictures from this process (a proxy or a bucket does it better: see the README).
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", media_serve, name="media"))

handler403 = "shop.core.views.permission_denied"
handler404 = "shop.core.views.page_not_found"
handler500 = "shop.core.views.server_error"
