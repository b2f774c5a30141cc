from django.urls import path

from . import views

app_name = "couriers"
urlpatterns = [
    path("", views.home, name="home"),
    path("apply/", views.apply, name="apply"),
    path("availability/", views.availability, name="availability"),
    path("scan/", views.scan, name="scan"),
    path("earnings/", views.earnings, name="earnings"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/live/", views.job_live, name="job_live"),
    path("jobs/<int:job_id>/accept/", views.job_accept_view, name="accept"),
    path("jobs/<int:job_id>/release/", views.job_release_view, name="release"),
    path("jobs/<int:job_id>/code/", views.job_code, name="code"),
    path("jobs/<int:job_id>/cash/", views.job_cash, name="cash"),
    path("jobs/<int:job_id>/location/", views.job_location, name="location"),
]

# The buyer's side, under /orders/<number>/ (site_config.urls).
buyer_urlpatterns = [
    path("<str:number>/courier/cash/", views.buyer_cash_confirm, name="buyer_cash"),
    path("<str:number>/courier/rate/", views.buyer_courier_rate, name="buyer_rate"),
]
