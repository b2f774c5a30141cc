from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    # Same URL name as allauth's, so every link to sign-up reaches this one.
    path("signup/", views.SignupView.as_view(), name="account_signup"),
]
