import re

import pytest
from django.conf import settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_buyer_who_forgot_their_password_gets_one_email_with_a_reset_link(client, mailoutbox):
    UserFactory(email="amina@example.test")

    response = client.post("/accounts/password/reset/", {"email": "amina@example.test"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["amina@example.test"]
    assert re.search(re.escape(settings.SOKO_SITE_URL) + r"/accounts/password/reset/key/[\w-]+/", message.body)


def test_reset_link_lets_the_buyer_set_a_new_password_once(client, mailoutbox):
    buyer = UserFactory(email="amina@example.test")
    client.post("/accounts/password/reset/", {"email": "amina@example.test"})
    link = re.search(re.escape(settings.SOKO_SITE_URL) + r"(/accounts/password/reset/key/[\w-]+/)", mailoutbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "a-fresh-market-day-42"
    response = client.post(set_password_url, {"password1": new_password, "password2": new_password})

    assert response.status_code == 302
    buyer.refresh_from_db()
    assert buyer.check_password(new_password)
    used_again = client.get(link, follow=True)
    assert "The password reset link was invalid" in used_again.content.decode()
