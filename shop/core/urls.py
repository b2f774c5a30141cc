from django.urls import path

from . import views
from .metrics import metrics_view

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.liveness, name="liveness"),
    path("healthz/ready", views.readiness, name="readiness"),
    path("metrics", metrics_view, name="metrics"),
]
