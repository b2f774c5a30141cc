from django.urls import path

from . import dev_views

urlpatterns = [
    path("checkout/<str:session_id>/", dev_views.checkout, name="dev_checkout"),
    path("connect/<str:account_id>/", dev_views.connect, name="dev_connect"),
]
