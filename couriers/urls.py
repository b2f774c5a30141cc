from django.urls import path

from . import views

app_name = "couriers"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
]
