from django.urls import path

from . import views_accounts, views_reports

app_name = "moderation"
urlpatterns = [
    path("report/<str:kind>/<int:pk>/", views_reports.report_form, name="report"),
    path("reports/", views_reports.my_reports, name="reports"),
    path("account/standing/", views_accounts.standing, name="standing"),
]
