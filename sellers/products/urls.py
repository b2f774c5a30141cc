from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/products/, in the "sellers" namespace.
urlpatterns = [
    path("", views.products, name="products"),
    path("new/", views.product_create, name="product_create"),
    path("bulk/", views.products_bulk, name="products_bulk"),
    path("<int:pk>/", views.product_edit, name="product_edit"),
    path("<int:pk>/duplicate/", views.product_duplicate_view, name="product_duplicate"),
]
