import logging

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.views.decorators.cache import never_cache

from .middleware import busy_response_for_current_error, liveness_response
from .selectors.heartbeat import WORKER, heartbeat_age

log = logging.getLogger(__name__)


def liveness(request):
    """The liveness probe, answered by ``shop.core.middleware.liveness_probe`` before this
    view is reached (here for its URL name, and a POST's 405-free answer)."""
    return liveness_response()


@never_cache
def healthz(request):
    checks = {"database": _check_database()}
    if settings.SCALE_MODE:
        checks["redis"] = _check_redis()
    healthy = all(value == "ok" for value in checks.values())
    mode = "scale" if settings.SCALE_MODE else "embedded"
    return JsonResponse({"status": "ok" if healthy else "down", "mode": mode, "checks": checks}, status=200 if healthy else 503)


@never_cache
def readiness(request):
    """Whether this process should get traffic: the database and (in scale mode) Redis
    answer, and a worker beat within ``SOKO_WORKER_LATE_SECONDS``. 503 names what fails."""
    checks = {"database": _check_database()}
    if settings.SCALE_MODE:
        checks["redis"] = _check_redis()
    checks["worker"] = _check_worker() if checks["database"] == "ok" else "unknown (the database is down)"
    ready = all(value == "ok" for value in checks.values())
    failing = [name for name, value in checks.items() if value != "ok"]
    body = {"status": "ready" if ready else "not ready", "checks": checks, "failing": failing}
    return JsonResponse(body, status=200 if ready else 503)


def _check_worker() -> str:
    try:
        age = heartbeat_age(WORKER)
    except Exception as exc:
        log.warning("readiness: heartbeat unreadable: %s", exc)
        return "unknown"
    if age is None:
        return "never beat"
    if age.total_seconds() > settings.SOKO_WORKER_LATE_SECONDS:
        return f"late: last beat {int(age.total_seconds())} s ago"
    return "ok"


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:
        log.warning("healthz: database down: %s", exc)
        return "down"


def _check_redis() -> str:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        return "ok"
    except Exception as exc:
        log.warning("healthz: redis down: %s", exc)
        return "down"


def permission_denied(request, exception=None):
    reason = str(exception) if exception and str(exception) else ""
    action = getattr(request, "denied_action", None)
    context = {"reason": reason, "action_label": action[0] if action else "", "action_url": reverse(action[1]) if action else ""}
    return render(request, "403.html", context, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    busy = busy_response_for_current_error(request)
    if busy is not None:
        return busy
    # No context processors that touch the database: it may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({"site_name": settings.SOKO_SITE_NAME}))
