import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts. Try again later."


def log_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


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


def test_sixth_attempt_after_five_wrong_passwords_is_refused_even_with_the_right_one(client):
    UserFactory(email="amina@example.test")
    for _ in range(5):
        response = log_in(client, "amina@example.test", "guessing-again")
        assert TOO_MANY not in response.content.decode()

    response = log_in(client, "amina@example.test", PASSWORD)

    assert response.status_code == 200
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_passwords_on_one_account_do_not_lock_out_another(client):
    UserFactory(email="amina@example.test")
    other = UserFactory(email="kofi@example.test")
    for _ in range(5):
        log_in(client, "amina@example.test", "guessing-again")

    response = log_in(client, "kofi@example.test", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)
