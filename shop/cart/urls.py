from django.urls import path

from . import views

app_name = "cart"
urlpatterns = [
    path("", views.detail, name="detail"),
    path("add/", views.add, name="add"),
    path("items/<int:pk>/", views.update, name="update"),
    path("items/<int:pk>/remove/", views.remove, name="remove"),
    path("items/<int:pk>/accept-price/", views.accept_price, name="accept_price"),
]
