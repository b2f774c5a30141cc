from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/analytics/, in the "sellers" namespace.
urlpatterns = [
    path("", views.analytics, name="analytics"),
    path("sales.csv", views.analytics_csv, name="analytics_csv"),
]
