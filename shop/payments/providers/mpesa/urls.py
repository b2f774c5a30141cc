from django.urls import path

from . import views

urlpatterns = [
    path("callback/", views.callback, name="mpesa_callback"),
    path("status/<str:token>/", views.status_result, name="mpesa_status_result"),
    path("<uuid:reference>/", views.phone, name="mpesa_phone"),
    path("<uuid:reference>/stop/<int:attempt_id>/", views.stop, name="mpesa_stop"),
]
