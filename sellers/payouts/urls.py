from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/payouts/, in the "sellers" namespace.
urlpatterns = [
    path("", views.payouts, name="payouts"),
    path("wallet/", views.wallet_save, name="payouts_wallet"),
    path("connect/", views.connect_start, name="payouts_connect"),
    path("connect/return/", views.connect_return, name="payouts_connect_return"),
    path("connect/refresh/", views.connect_refresh_link, name="payouts_connect_refresh"),
]
