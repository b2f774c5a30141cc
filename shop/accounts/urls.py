from django.urls import include, path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("", include("shop.accounts.addresses.urls")),
    # Listed before allauth's URLs (site_config/urls.py), so it answers /accounts/signup/.
    path("signup/", views.SignupView.as_view(), name="account_signup"),
]
