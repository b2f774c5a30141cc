from django.urls import include, path

from . import views

app_name = "payments"

urlpatterns = [
    path("stripe/", include("shop.payments.providers.stripe.urls")),
    path("mpesa/", include("shop.payments.providers.mpesa.urls")),
    path("paypal/", include("shop.payments.providers.paypal.urls")),
    path("crypto/", include("shop.payments.providers.crypto.urls")),
    path("<uuid:reference>/", views.status, name="status"),
    path("<uuid:reference>/pay/", views.pay, name="pay"),
    path("<uuid:reference>/go/<int:attempt_id>/", views.go, name="go"),
    path("<uuid:reference>/cancel/<int:attempt_id>/", views.cancel, name="cancel"),
]
