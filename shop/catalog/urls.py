from django.urls import path

from . import home_views, views

app_name = "catalog"
urlpatterns = [
    path("", home_views.home, name="home"),
    path("c/<slug:slug>/", views.category, name="category"),
    path("search/", views.search, name="search"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("favorites/", views.favorites, name="favorites"),
    path("favorites/toggle/", views.favorite_toggle_view, name="favorite_toggle"),
]
