from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from shop.core import views
from shop.core.tasks import worker_heartbeat_task

pytestmark = pytest.mark.django_db


class UnreachableDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server: Connection refused")


def test_load_balancer_probe_gets_ok_when_the_database_answers(client, settings):
    settings.SCALE_MODE = False

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "mode": "embedded", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_probe_gets_503_down_when_the_database_is_unreachable(client, settings, monkeypatch):
    settings.SCALE_MODE = False
    monkeypatch.setattr(views, "connection", UnreachableDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "down"
    assert response.json()["checks"]["database"] == "down"


def test_probe_in_scale_mode_gets_503_when_redis_is_down(client, settings):
    settings.SCALE_MODE = True
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"  # nothing listens here

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["mode"] == "scale"
    assert body["checks"] == {"database": "ok", "redis": "down"}


@pytest.mark.redis
def test_probe_in_scale_mode_gets_ok_when_redis_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_liveness_answers_without_a_query_or_a_cookie(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(views, "connection", UnreachableDatabase())

    with django_assert_num_queries(0):
        response = client.get("/healthz/live")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert not response.cookies


def test_readiness_waits_for_the_workers_first_heartbeat_and_fails_when_it_is_late(client, settings, time_machine):
    settings.SCALE_MODE = False
    settings.SOKO_WORKER_LATE_SECONDS = 180
    never = client.get("/healthz/ready")
    assert never.status_code == 503 and "no-cache" in never["Cache-Control"]
    assert never.json() == {
        "status": "not ready", "checks": {"database": "ok", "worker": "never beat"}, "failing": ["worker"]
    }

    worker_heartbeat_task.call_local()  # what the worker's periodic tick runs
    ready = client.get("/healthz/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "worker": "ok"}, "failing": []}

    time_machine.move_to(timezone.now() + timedelta(seconds=181), tick=False)  # the worker died
    late = client.get("/healthz/ready").json()
    assert late["checks"]["worker"] == "late: last beat 181 s ago" and late["failing"] == ["worker"]


def test_readiness_names_a_database_that_is_down(client, settings, monkeypatch):
    settings.SCALE_MODE = False
    monkeypatch.setattr(views, "connection", UnreachableDatabase())
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "worker"]


@pytest.mark.redis
def test_readiness_in_scale_mode_checks_redis_too(client, settings):
    worker_heartbeat_task.call_local()
    assert client.get("/healthz/ready").json()["checks"] == {"database": "ok", "redis": "ok", "worker": "ok"}
    settings.REDIS_URL = "redis://127.0.0.1:6399/0"  # nothing listens here
    assert client.get("/healthz/ready").json()["failing"] == ["redis"]
