from django.urls import include, path

app_name = "payments"

urlpatterns = [
    path("mpesa/", include("shop.payments.mpesa_urls")),
    path("paypal/", include("shop.payments.paypal_urls")),
    path("dev/", include("shop.payments.dev_urls")),
]
