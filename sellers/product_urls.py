from django.urls import path  # noqa: F401

# Included by sellers/urls.py under /dashboard/products/, in the "sellers" namespace.
urlpatterns: list = []
