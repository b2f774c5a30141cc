"""Sign-up's email and the authenticator app name the site "Soko", never the host and port
the request came in on."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REQUEST_HOST = "10.0.0.7:8001"


@pytest.fixture
def client(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "10.0.0.7"]
    settings.SOKO_SITE_URL = "https://soko.example"
    return Client(HTTP_HOST=REQUEST_HOST)


def test_the_sign_up_email_is_from_soko(client):
    client.post(
        "/accounts/signup/",
        {"intent": "shop", "display_name": "Neema", "email": "neema@example.test", "password1": PASSWORD, "password2": PASSWORD},
    )

    [message] = mail.outbox
    assert message.subject == "Soko: Please Confirm Your Email Address"
    assert message.body.startswith("Hello from Soko!")
    assert "register an account on soko.example." in message.body
    assert message.body.rstrip().endswith("Thank you for using Soko!\nsoko.example")
    assert REQUEST_HOST not in message.subject + message.body and "10.0.0.7" not in message.body


def test_the_authenticator_app_shows_soko(client):
    person = UserFactory(totp=False)
    client.force_login(person)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})  # allauth asks before an authenticator is added

    uri = client.get("/accounts/2fa/totp/activate/").context["totp_url"]

    assert uri.startswith("otpauth://totp/")
    assert parse_qs(urlsplit(uri).query)["issuer"] == ["Soko"]
    assert REQUEST_HOST not in unquote(uri)
