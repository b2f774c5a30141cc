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
