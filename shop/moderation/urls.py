from django.urls import path

from .accounts import views as account_views
from .reports import views as report_views

app_name = "moderation"
urlpatterns = [
    path("report/<str:kind>/<int:pk>/", report_views.report_form, name="report"),
    path("reports/", report_views.my_reports, name="reports"),
    path("account/standing/", account_views.standing, name="standing"),
]
