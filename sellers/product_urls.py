from django.urls import path

from . import product_views

# Included by sellers/urls.py under /dashboard/products/, in the "sellers" namespace.
urlpatterns = [
    path("", product_views.products, name="products"),
    path("new/", product_views.product_create, name="product_create"),
    path("bulk/", product_views.products_bulk, name="products_bulk"),
    path("<int:pk>/", product_views.product_edit, name="product_edit"),
    path("<int:pk>/duplicate/", product_views.product_duplicate_view, name="product_duplicate"),
]
