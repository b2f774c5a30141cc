from django.urls import path

from . import checkout_views

app_name = "checkout"
urlpatterns = [
    path("", checkout_views.page, name="page"),
    path("<uuid:reference>/done/", checkout_views.done, name="done"),
]
