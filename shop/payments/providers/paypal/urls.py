from django.urls import path

from . import paypal_views

urlpatterns = [
    path("return/", paypal_views.paypal_return, name="paypal_return"),
    path("cancel/", paypal_views.paypal_cancel, name="paypal_cancel"),
]
