from django.urls import path

from . import views

urlpatterns = [
    path("return/", views.paypal_return, name="paypal_return"),
    path("cancel/", views.paypal_cancel, name="paypal_cancel"),
]
