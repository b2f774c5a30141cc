"""Log lines an operator can follow: each request, socket and job has an id that every line
it logs carries; production lines are JSON with a hash of the user's id, never who they are."""

import asyncio
import io
import json
import logging

import pytest
from django.urls import reverse
from huey.contrib.djhuey import task

from shop.core import logs
from shop.core.jobs import job, job_enqueue_on_commit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """What the production handler (JSON, with the context filter) writes, line by line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_each_request_is_answered_with_its_id_and_logged_once_as_json(client, json_lines):
    user = UserFactory(email="amina@example.test", display_name="Amina Otieno")
    client.force_login(user)
    response = client.get(reverse("catalog:home"))
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32

    access = [line for line in json_lines() if line["logger"] == "soko.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == request_id and line["path"] == "/" and line["status"] == 200
    assert line["method"] == "GET" and line["level"] == "INFO" and line["duration_ms"] > 0
    assert line["user"] == logs.user_hash(user.pk) and len(line["user"]) == 12
    assert "amina" not in json.dumps(line).lower() and "T" in line["time"]


def test_a_proxys_request_id_is_kept_when_it_looks_like_one(client):
    assert client.get("/healthz", headers={"X-Request-ID": "edge-7f3a9c21"})["X-Request-ID"] == "edge-7f3a9c21"
    replaced = client.get("/healthz", headers={"X-Request-ID": "<script>"})["X-Request-ID"]
    assert replaced != "<script>" and len(replaced) == 32


@job("tests.logs_something")
@task()
def logs_something_task(word):
    logging.getLogger("tests.job").warning("job says %s", word)


def test_a_job_logs_with_the_id_of_the_request_that_queued_it(json_lines, django_capture_on_commit_callbacks):
    token = logs.request_id_var.set("req-1234abcd")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            job_enqueue_on_commit("tests.logs_something", "hello")  # Huey runs it inline in tests
        assert logs.request_id_var.get() == "req-1234abcd"  # and leaves the caller's context as it was
    finally:
        logs.request_id_var.reset(token)
    said = next(line for line in json_lines() if line["message"] == "job says hello")
    assert said["request_id"] == "req-1234abcd" and said["job"].endswith("logs_something_task")


def test_a_socket_logs_with_its_handshakes_request_id():
    seen = []

    async def app(scope, receive, send):
        seen.append(logs.request_id_var.get())

    wrapped = logs.socket_context(app)
    asyncio.run(wrapped({"type": "websocket", "headers": [(b"x-request-id", b"edge-socket-0042")]}, None, None))
    asyncio.run(wrapped({"type": "websocket", "headers": []}, None, None))
    assert seen[0] == "edge-socket-0042" and len(seen[1]) == 32
    assert logs.request_id_var.get() == ""
