import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.test import Client

from tests.factories import PASSWORD, UserFactory, totp_code

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many failed login attempts. Try again later."


def log_in(client, email, password, next_url=""):
    return client.post(f"/accounts/login/?next={next_url}", {"login": email, "password": password})


def staff_with_totp():
    secret = generate_totp_secret()
    return UserFactory(email="staff@example.test", is_staff=True, is_superuser=True, totp=secret), secret


def test_admin_login_page_is_the_shop_login(client):
    response = client.get("/admin/login/?next=/admin/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Forders%2F"


def test_admin_login_form_takes_no_passwords(client):
    staff_with_totp()

    response = client.post("/admin/login/", {"username": "staff@example.test", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_admin_login_does_not_send_elsewhere(client):
    response = client.get("/admin/login/?next=https://evil.example/")

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_wrong_passwords_for_staff_are_limited_like_any_login():
    staff_with_totp()
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        log_in(attacker, "staff@example.test", "guess", "/admin/")

    response = log_in(attacker, "staff@example.test", PASSWORD, "/admin/")

    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_staff_password_alone_does_not_open_the_admin(client):
    staff_with_totp()

    response = log_in(client, "staff@example.test", PASSWORD, "/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_staff_with_password_and_authenticator_code_reach_the_admin(client):
    staff, secret = staff_with_totp()
    log_in(client, "staff@example.test", PASSWORD, "/admin/")

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.get("/admin/").status_code == 200


def test_wrong_authenticator_code_is_refused(client):
    staff_with_totp()
    log_in(client, "staff@example.test", PASSWORD, "/admin/")

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})

    assert response.status_code == 200
    assert "Incorrect code." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_staff_without_an_authenticator_are_sent_to_set_one_up_before_the_admin(client):
    staff = UserFactory(email="staff@example.test", is_staff=True, is_superuser=True, totp=False)
    log_in(client, "staff@example.test", PASSWORD, "/admin/")
    assert client.get("/admin/orders/order/")["Location"] == "/accounts/2fa/totp/activate/"
    told = client.get("/admin/", follow=True).content.decode()
    assert "Staff sign in with an authenticator app: set one up to use the admin." in told

    # allauth asks for the password again before an authenticator is added.
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code == 200
    code = totp_code(setup.context["form"].secret)
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_logged_in_shopper_asking_for_the_admin_is_told_it_is_for_staff(client):
    client.force_login(UserFactory())

    response = client.get("/admin/")
    assert response["Location"] == "/admin/login/?next=/admin/"
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 403
    assert "The admin is for Soko staff only." in response.content.decode()


def test_shopper_logs_in_without_a_second_factor_and_may_add_one(client):
    shopper = UserFactory(email="amina@example.test")

    response = log_in(client, "amina@example.test", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(shopper.pk)
    assert client.get("/").status_code == 200
    assert 'href="/accounts/2fa/"' in client.get("/accounts/profile/").content.decode()
