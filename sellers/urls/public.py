from django.urls import path

from .. import views

app_name = "stores"
urlpatterns = [
    path("s/<slug:slug>/", views.store_detail, name="detail"),
    path("stores/", views.store_list, name="list"),
]
