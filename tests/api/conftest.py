import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import PASSWORD, UserFactory


def post(client, url: str, data: dict, **headers):
    return client.post(url, data, content_type="application/json", headers=headers)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def mailed_code() -> str:
    return re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body).group(1)


def verified(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def person(db):
    return verified(UserFactory())


def sign_in(client, user, password: str = PASSWORD) -> dict:
    """The tokens an app gets for ``user``: {"access_token": ..., "refresh_token": ...}."""
    answer = post(client, "/api/v1/auth/login", {"email": user.email, "password": password})
    assert answer.status_code == 200, answer.content
    return answer.json()["meta"]


class RunnerDied(BaseException):
    """The web process was killed after the request's commit, before its answer was kept."""


@pytest.fixture
def answer_lost(monkeypatch):
    """The first idempotent request's process dies after its commit, before its answer is
    kept (``post`` raises RunnerDied). Call the fixture's value before the app's retry: on
    PostgreSQL the dead runner's lock went with its connection; elsewhere only the
    record's age says that it died, so the record is made old enough."""
    from datetime import timedelta

    from django.utils import timezone

    from shop.api import idempotency
    from shop.api.models import IdempotentRequest

    keep, kept = idempotency._keep, []

    def keep_unless_killed(record, response):
        kept.append(record.pk)
        if len(kept) == 1:
            raise RunnerDied
        keep(record, response)

    monkeypatch.setattr(idempotency, "_keep", keep_unless_killed)
    return lambda: IdempotentRequest.objects.update(created_at=timezone.now() - timedelta(minutes=6))
