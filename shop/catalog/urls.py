from django.urls import path

from .views import home, products

app_name = "catalog"
urlpatterns = [
    path("", home.home, name="home"),
    path("c/<slug:slug>/", products.category, name="category"),
    path("search/", products.search, name="search"),
    path("p/<slug:slug>/", products.product_detail, name="product"),
    path("favorites/", products.favorites, name="favorites"),
    path("favorites/toggle/", products.favorite_toggle_view, name="favorite_toggle"),
]
