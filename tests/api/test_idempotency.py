"""An Idempotency-Key names a request: the same key and request get the first answer and
nothing runs twice; the same key with another request, or while the first still runs, is
refused; answers that did not carry the request out are forgotten."""

import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from shop.api.idempotency import LOCK_SPACE, _fingerprint, idempotent, idempotent_requests_forget
from shop.api.models import IdempotentRequest
from shop.cart.services import CartError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class Counter(APIView):
    """Counts what it was asked to do; refuses 'no' by a rule and 'typo' as bad input."""

    done: list = []

    @idempotent
    def post(self, request):
        word = request.data.get("word")
        if word == "no":
            raise CartError("Not today.")
        if word == "typo":
            raise ValidationError({"word": ["Say it again."]})
        self.done.append(word)
        return Response({"done": len(self.done), "word": word}, status=201)


@pytest.fixture
def send():
    Counter.done = []
    user = UserFactory()
    factory = APIRequestFactory()

    def send(data: dict, key: str | None = "key-1", path: str = "/api/v1/count/", who=user):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
        request = factory.post(path, data, format="json", **headers)
        force_authenticate(request, user=who)
        response = Counter.as_view()(request)
        response.render()
        return response

    return send


def test_the_same_key_and_request_answer_the_first_answer_and_run_once(send):
    first, again = send({"word": "bid"}), send({"word": "bid"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data == {"done": 1, "word": "bid"}
    assert again["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert Counter.done == ["bid"]


def test_another_request_under_a_used_key_is_refused(send):
    send({"word": "bid"})

    other_body, other_path = send({"word": "ask"}), send({"word": "bid"}, path="/api/v1/other/")

    assert [other_body.status_code, other_path.status_code] == [409, 409]
    assert other_body.data["code"] == other_path.data["code"] == "idempotency_key_reused"
    assert Counter.done == ["bid"]


def test_keys_are_each_accounts_own(send):
    send({"word": "bid"})
    send({"word": "bid"}, who=UserFactory())

    assert Counter.done == ["bid", "bid"]


def test_a_rules_refusal_is_kept_a_typo_is_forgotten(send):
    refused, refused_again = send({"word": "no"}, key="k-no"), send({"word": "no"}, key="k-no")
    typo = send({"word": "typo"}, key="k-typo")
    corrected = send({"word": "typo"}, key="k-typo")

    assert (refused.status_code, refused.data["code"]) == (409, "cart_refused")
    assert refused_again.data == refused.data and refused_again["Idempotent-Replayed"] == "true"
    assert refused_again["Content-Type"] == "application/problem+json"
    assert (typo.status_code, corrected.status_code) == (400, 400)
    assert not corrected.has_header("Idempotent-Replayed")


def test_a_missing_or_unreadable_key_is_refused_before_anything_runs(send):
    answers = [send({"word": "bid"}, key=None), send({"word": "bid"}, key="x" * 256), send({"word": "bid"}, key="é")]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert all("Idempotency-Key" in answer.data["errors"] for answer in answers)
    assert Counter.done == []


@contextmanager
def running_elsewhere(pk: int):
    """The first request with the key runs in another process: on PostgreSQL its connection
    holds the row's lock; leaving the block is that process dying (its connection closes)."""
    if connection.vendor != "postgresql":
        yield
        return
    import psycopg

    settings_dict = connection.settings_dict
    other = psycopg.connect(
        dbname=settings_dict["NAME"],
        user=settings_dict["USER"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"] or 5432,
        password=settings_dict["PASSWORD"] or None,
        autocommit=True,
    )
    other.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_SPACE, pk % 2**31])
    try:
        yield
    finally:
        other.close()


def test_while_the_first_runs_the_second_is_told_to_wait_unless_the_first_died(send):
    user = UserFactory()
    request = APIRequestFactory().post("/api/v1/count/", {"word": "bid"}, format="json")
    running = IdempotentRequest.objects.create(
        user=user, key="k", fingerprint=_fingerprint(Request(request, parsers=[JSONParser()]))
    )

    with running_elsewhere(running.pk):
        waiting = send({"word": "bid"}, key="k", who=user)
    if connection.vendor != "postgresql":  # only its age tells that it died
        IdempotentRequest.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(minutes=6))
    taken_over = send({"word": "bid"}, key="k", who=user)

    assert (waiting.status_code, waiting.data["code"], waiting["Retry-After"]) == (409, "idempotency_key_in_use", "1")
    assert taken_over.status_code == 201 and Counter.done == ["bid"]


def test_a_first_request_on_a_machine_gone_silent_is_taken_over_after_a_while(send):
    """A machine lost without closing its connections keeps its lock until PostgreSQL gives
    up on them: after STALE the key runs anyway."""
    user = UserFactory()
    request = APIRequestFactory().post("/api/v1/count/", {"word": "bid"}, format="json")
    running = IdempotentRequest.objects.create(
        user=user, key="k", fingerprint=_fingerprint(Request(request, parsers=[JSONParser()]))
    )

    with running_elsewhere(running.pk):
        IdempotentRequest.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(minutes=6))
        taken_over = send({"word": "bid"}, key="k", who=user)

    assert taken_over.status_code == 201 and Counter.done == ["bid"]


@pytest.mark.postgres
def test_a_request_lets_go_of_its_key_when_it_ends(send):
    for word in ("bid", "no", "typo"):
        send({"word": word}, key=f"key-{word}")

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        assert cursor.fetchone()[0] == 0


def test_old_keys_are_forgotten(send, settings):
    send({"word": "bid"})
    IdempotentRequest.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.SOKO_API_IDEMPOTENCY_HOURS, minutes=1)
    )

    assert idempotent_requests_forget() == 1
    assert send({"word": "bid"}).data["done"] == 2


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_run_once(send):
    answers = []
    barrier = threading.Barrier(2)

    def go():
        barrier.wait()
        answers.append(send({"word": "bid"}).status_code)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter.done == ["bid"]
    assert sorted(answers) in ([201, 201], [201, 409])
