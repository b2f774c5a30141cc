from django.urls import path

from . import views

# Included by sellers/urls/dashboard.py under /dashboard/promotions/, in the "sellers" namespace.
urlpatterns = [
    path("", views.promotions, name="promotions"),
    path("<int:pk>/stop/", views.sale_stop_view, name="sale_stop"),
    path("codes/<int:pk>/stop/", views.promo_code_stop_view, name="promo_code_stop"),
]
