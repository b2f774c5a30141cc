from django.urls import path

from . import mpesa_views

urlpatterns = [
    path("callback/", mpesa_views.callback, name="mpesa_callback"),
    path("status/<str:token>/", mpesa_views.status_result, name="mpesa_status_result"),
    path("<uuid:reference>/", mpesa_views.phone, name="mpesa_phone"),
]
