import pytest
from django.db import OperationalError

from shop.core import views

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
