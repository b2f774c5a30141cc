from django.urls import path

from . import views

urlpatterns = [
    path("<uuid:reference>/", views.pay, name="crypto_pay"),
    path("<uuid:reference>/quote/", views.requote, name="crypto_requote"),
    path("<uuid:reference>/balance/", views.balance, name="crypto_balance"),
    path("<uuid:reference>/sent/", views.sent, name="crypto_sent"),
    path("<uuid:reference>/progress/", views.progress, name="crypto_progress"),
]
