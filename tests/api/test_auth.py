"""Apps sign in through allauth's headless "app" client at /api/v1/auth/: the same limits,
e-mail code and authenticator step as the pages. An access token is refused once its
session ends: signing out, a deactivation, a rotated refresh token reused."""

import pytest
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.core import mail
from django.test import Client

from shop.moderation.accounts.services import account_act
from tests.factories import PASSWORD, UserFactory, totp_code

from .conftest import bearer, mailed_code, post, sign_in, verified

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_sign_up_with_the_mailed_code_then_read_the_profile(client):
    started = post(client, "/api/v1/auth/signup", {"email": "amina@example.test", "password": "a-long-pass-9876"})
    assert started.status_code == 401  # signed up; the e-mail code is pending
    assert {"id": "verify_email", "is_pending": True} in started.json()["data"]["flows"]
    assert len(mail.outbox) == 1

    done = post(client, "/api/v1/auth/email/verify", {"key": mailed_code()}, **{"X-Session-Token": started.json()["meta"]["session_token"]})

    assert done.status_code == 200
    me = client.get(ME, headers=bearer(done.json()["meta"]["access_token"]))
    assert me.status_code == 200
    assert me.json()["email"] == "amina@example.test"


def test_without_a_token_the_profile_is_a_401_problem(client):
    answer = client.get(ME)

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "not_authenticated"
    assert answer["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_refused(client, person):
    tokens = sign_in(client, person)
    forged = tokens["access_token"][:-4] + ("AAAA" if not tokens["access_token"].endswith("AAAA") else "BBBB")

    answer = client.get(ME, headers=bearer(forged))

    assert answer.status_code == 401
    assert answer.json()["code"] == "authentication_failed"


def test_refresh_rotates_and_the_old_refresh_token_is_refused(client, person):
    tokens = sign_in(client, person)

    first = post(client, "/api/v1/tokens/refresh", {"refresh_token": tokens["refresh_token"]})
    again = post(client, "/api/v1/tokens/refresh", {"refresh_token": tokens["refresh_token"]})

    assert first.status_code == 200
    assert first.json()["data"]["refresh_token"] != tokens["refresh_token"]
    assert again.status_code == 400
    assert client.get(ME, headers=bearer(first.json()["data"]["access_token"])).status_code == 200


def test_signing_out_ends_the_access_and_the_refresh_token(client, person):
    tokens = sign_in(client, person)
    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 200

    client.delete("/api/v1/auth/session", headers=bearer(tokens["access_token"]))

    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    assert post(client, "/api/v1/tokens/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 400


def test_a_deactivation_ends_every_token_at_once(client, person):
    tokens = sign_in(client, person)
    staff = UserFactory(is_staff=True)

    account_act(user=person, kind="deactivate", reason="Fraudulent orders", actor=staff)

    assert client.get(ME, headers=bearer(tokens["access_token"])).status_code == 401
    assert post(client, "/api/v1/tokens/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 400


def test_an_account_with_an_authenticator_signs_in_with_its_code(client):
    secret = generate_totp_secret()
    person = verified(UserFactory(totp=secret))

    started = post(client, "/api/v1/auth/login", {"email": person.email, "password": PASSWORD})
    assert started.status_code == 401
    assert {"id": "mfa_authenticate", "is_pending": True, "types": ["totp"]} in started.json()["data"]["flows"]
    assert "access_token" not in started.json()["meta"]

    done = post(
        client, "/api/v1/auth/2fa/authenticate", {"code": totp_code(secret)}, **{"X-Session-Token": started.json()["meta"]["session_token"]}
    )

    assert done.status_code == 200
    assert client.get(ME, headers=bearer(done.json()["meta"]["access_token"])).status_code == 200


def test_a_staff_token_needs_the_authenticator_step_as_the_admin_does(client):
    staff = verified(UserFactory(is_staff=True, totp=False))
    tokens = sign_in(client, staff)

    refused = client.get(ME, headers=bearer(tokens["access_token"]))

    assert refused.status_code == 401
    assert "authenticator" in refused.json()["detail"]


def test_wrong_passwords_meet_the_pages_limit(person):
    client = Client(REMOTE_ADDR="203.0.113.7")
    answers = [post(client, "/api/v1/auth/login", {"email": person.email, "password": "wrong-password-1"}) for _ in range(6)]
    right = post(client, "/api/v1/auth/login", {"email": person.email, "password": PASSWORD})

    assert [answer.status_code for answer in answers] == [400] * 6
    assert [error["code"] for error in answers[0].json()["errors"]] == ["email_password_mismatch"]
    # The sixth try, and then the right password from this address, wait as on the pages.
    for answer in (answers[5], right):
        assert [error["code"] for error in answer.json()["errors"]] == ["too_many_login_attempts"]
    assert post(Client(REMOTE_ADDR="198.51.100.20"), "/api/v1/auth/login", {"email": person.email, "password": PASSWORD}).status_code == 200


def test_the_profile_changes_through_the_pages_rules(client, person):
    tokens = sign_in(client, person)
    headers = bearer(tokens["access_token"])

    changed = client.patch(ME, {"language": "sw", "display_name": "Amina"}, content_type="application/json", headers=headers)
    refused = client.patch(ME, {"time_zone": "Mars/Olympus"}, content_type="application/json", headers=headers)

    assert changed.status_code == 200
    assert (changed.json()["language"], changed.json()["display_name"]) == ("sw", "Amina")
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"
    assert list(refused.json()["errors"]) == ["time_zone"]
    person.refresh_from_db()
    assert (person.language, person.time_zone) == ("sw", "")


def test_a_session_cookie_signs_in_a_same_origin_script_only_with_its_csrf_token(person):
    from django.test import Client as BrowserClient

    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(person)
    page = browser.get("/accounts/profile/")
    token = page.cookies["csrftoken"].value

    read = browser.get(ME)
    forged = browser.patch(ME, {"display_name": "Forged"}, content_type="application/json")
    allowed = browser.patch(ME, {"display_name": "Amina"}, content_type="application/json", headers={"X-CSRFToken": token})

    assert read.status_code == 200
    assert (forged.status_code, forged.json()["code"]) == (403, "permission_denied")
    assert (allowed.status_code, allowed.json()["display_name"]) == (200, "Amina")


def test_the_apps_sign_in_takes_no_session_cookie(person):
    """allauth's app client answers tokens: a browser's session cookie does not sign it in."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)

    assert browser.get("/api/v1/auth/session").status_code == 401
