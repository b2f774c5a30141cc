from django.urls import path

from . import views

app_name = "devgateway"

urlpatterns = [
    path("checkout/<str:session_id>/", views.checkout, name="checkout"),
    path("connect/<str:account_id>/", views.connect, name="connect"),
]
