from django.apps import apps
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """No work at all: what a request costs through oscar's middleware (Soko's /healthz/live)."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bare/", bare),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
