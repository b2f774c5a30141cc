"""Sessions are Django's database sessions, read with a compiled query: a live session
is read back, an expired, unknown or missing key reads as a new, empty session."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from shop.accounts.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_site_reads_its_sessions_with_the_compiled_store():
    assert settings.SESSION_ENGINE == "shop.accounts.sessions"


def test_a_live_session_is_read_back():
    store = SessionStore()
    store["basket"] = [3, 4]
    store.create()
    store.save()

    again = SessionStore(store.session_key)
    assert again["basket"] == [3, 4]
    assert again.session_key == store.session_key


@pytest.mark.parametrize("key", ["expired", "unknown", None])
def test_an_expired_unknown_or_missing_key_reads_as_a_new_session(key):
    old = SessionStore()
    old["basket"] = [1]
    old.create()
    old.save()
    if key == "expired":
        Session.objects.filter(session_key=old.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
        key = old.session_key
    elif key == "unknown":
        key = "x" * 32

    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None  # a new key is made when it is saved, never the one offered
    store["basket"] = [2]
    store.save()
    assert store.session_key not in (None, key)


def test_a_signed_in_visitor_stays_signed_in(client):
    user = UserFactory()
    client.force_login(user)
    Session.objects.get(session_key=client.session.session_key)  # stored in the database

    answer = client.get("/accounts/email/")
    assert answer.status_code == 200
    assert answer.wsgi_request.user == user
