from django.urls import include, path

from . import views

app_name = "sellers"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("setup/", views.setup, name="setup"),
    path("settings/", views.settings_edit, name="settings"),
    path("products/", include("sellers.product_urls")),
]
