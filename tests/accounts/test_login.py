import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts. Try again later."
ATTACKER, VICTIM, NEIGHBOUR, PROXY = "203.0.113.7", "198.51.100.20", "198.51.100.21", "10.0.0.2"


def log_in(client, email, password, **headers):
    return client.post("/accounts/login/", {"login": email, "password": password}, **headers)


def client_at(address):
    return Client(REMOTE_ADDR=address)


def test_buyer_logs_in_with_email_and_password(client):
    buyer = UserFactory(email="amina@example.test")

    response = log_in(client, "Amina@Example.test", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(buyer.pk)


def test_wrong_password_is_refused(client):
    UserFactory(email="amina@example.test")

    response = log_in(client, "amina@example.test", "not-my-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "The email address and/or password you specified are not correct." in response.content.decode()


def test_sixth_attempt_from_the_guessing_address_is_refused_even_with_the_right_one():
    UserFactory(email="amina@example.test")
    attacker = client_at(ATTACKER)
    for _ in range(5):
        response = log_in(attacker, "amina@example.test", "guessing-again")
        assert TOO_MANY not in response.content.decode()

    response = log_in(attacker, "amina@example.test", PASSWORD)

    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_owner_logs_in_from_her_address_after_a_stranger_failed_twenty_times_from_his():
    amina = UserFactory(email="amina@example.test")
    attacker = client_at(ATTACKER)
    for _ in range(20):
        log_in(attacker, "amina@example.test", "guessing-again")
    assert TOO_MANY in log_in(attacker, "amina@example.test", "guessing-again").content.decode()

    owner = client_at(VICTIM)
    response = log_in(owner, "amina@example.test", PASSWORD)

    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(amina.pk)
    assert TOO_MANY in log_in(attacker, "amina@example.test", PASSWORD).content.decode()


def test_one_address_guessing_many_accounts_hits_the_per_address_ceiling():
    for n in range(11):
        UserFactory(email=f"user{n}@example.test")
    attacker = client_at(ATTACKER)
    for n in range(10):
        for _ in range(5):
            assert TOO_MANY not in log_in(attacker, f"user{n}@example.test", "guess").content.decode()

    response = log_in(attacker, "user10@example.test", PASSWORD)

    assert TOO_MANY in response.content.decode()
    assert log_in(client_at(VICTIM), "user10@example.test", PASSWORD).status_code == 302


def test_five_wrong_passwords_on_one_account_do_not_lock_out_another(client):
    UserFactory(email="amina@example.test")
    other = UserFactory(email="kofi@example.test")
    for _ in range(5):
        log_in(client, "amina@example.test", "guessing-again")

    response = log_in(client, "kofi@example.test", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)


def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_on_its_own(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    amina = UserFactory(email="amina@example.test")
    behind_proxy = client_at(PROXY)
    for _ in range(5):
        log_in(behind_proxy, "amina@example.test", "guess", headers={"X-Forwarded-For": ATTACKER})
    assert TOO_MANY in log_in(
        behind_proxy, "amina@example.test", PASSWORD, headers={"X-Forwarded-For": ATTACKER}
    ).content.decode()

    owner = client_at(PROXY)
    response = log_in(owner, "amina@example.test", PASSWORD, headers={"X-Forwarded-For": f"{VICTIM}, {NEIGHBOUR}"})

    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(amina.pk)


def test_trusted_client_ip_header_names_the_client(settings):
    settings.ALLAUTH_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    amina = UserFactory(email="amina@example.test")
    for _ in range(5):
        log_in(client_at(PROXY), "amina@example.test", "guess", headers={"X-Real-IP": ATTACKER})

    owner = client_at(PROXY)
    response = log_in(owner, "amina@example.test", PASSWORD, headers={"X-Real-IP": VICTIM})

    assert response.status_code == 302
    assert owner.session["_auth_user_id"] == str(amina.pk)


def test_without_a_trusted_proxy_a_forged_forwarded_address_is_ignored():
    UserFactory(email="amina@example.test")
    attacker = client_at(ATTACKER)
    for n in range(5):
        log_in(attacker, "amina@example.test", "guess", headers={"X-Forwarded-For": f"192.0.2.{n}"})

    response = log_in(attacker, "amina@example.test", PASSWORD, headers={"X-Forwarded-For": "192.0.2.99"})

    assert TOO_MANY in response.content.decode()


def test_request_that_skipped_a_trusted_proxy_is_still_answered(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    amina = UserFactory(email="amina@example.test")
    client = client_at(PROXY)

    response = log_in(client, "amina@example.test", PASSWORD, headers={"X-Forwarded-For": VICTIM})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(amina.pk)
