"""Bodies the API cannot use are refused as problems in its own shape, never as a bare
400 page or a 500: form fields with a NUL character, a multipart body that does not parse."""

import pytest

from tests.factories.chat import chat_world

from .conftest import bearer, sign_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(client):
    world = chat_world()
    headers = {**bearer(sign_in(client, verified(world.buyer))["access_token"]), "Idempotency-Key": "k-1"}
    path = f"/api/v1/conversations/{world.conversation.pk}/messages/"

    def send(body, content_type=None):
        if content_type is None:  # the test client's own multipart encoding
            return client.post(path, body, headers=headers)
        return client.post(path, body, content_type=content_type, headers=headers)

    return send


def test_a_nul_character_in_a_form_field_is_a_problem(sent):
    answer = sent({"text": "Habari\x00"})

    assert answer.status_code == 400, answer.json()
    assert answer["Content-Type"] == "application/problem+json"


def test_a_multipart_body_that_does_not_parse_is_a_problem(sent):
    answer = sent(b"--nothing like the boundary\r\n\r\n", "multipart/form-data")

    assert answer.status_code == 400
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "parse_error"
