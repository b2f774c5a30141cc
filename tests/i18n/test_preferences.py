"""Choosing a language, a time zone and a display currency; writing to each person in theirs."""

import zoneinfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from shop.core.selectors.i18n import speaking_to
from shop.core.services.realtime import user_group
from shop.notifications.models import Notification
from shop.notifications.services.notifications import notify
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import StoreFactory, UserFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Pass-123"


def html_of(response) -> str:
    return response.content.decode()


def test_the_first_visit_speaks_the_browser_language(client):
    html = html_of(client.get("/", headers={"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"}))
    assert '<html lang="fr" dir="ltr">' in html
    html = html_of(client.get("/", headers={"accept-language": "de"}))
    assert '<html lang="en" dir="ltr">' in html


def test_switching_without_javascript_goes_back_and_is_remembered_in_a_cookie(client):
    response = client.post(reverse("language_set"), {"language": "ur", "next": "/stores/"})
    assert response.status_code == 302 and response["Location"] == "/stores/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ur"
    html = html_of(client.get("/", headers={"accept-language": "fr"}))
    assert '<html lang="ur" dir="rtl">' in html
    assert "bootstrap.rtl.min.css" in html and "bootstrap.min.css" not in html


def test_the_switch_is_on_every_page_in_the_navbar_and_the_footer(client):
    html = html_of(client.get("/"))
    assert 'data-testid="navbar-language"' in html and 'data-testid="footer-language"' in html
    for code, _name in settings.LANGUAGES:
        assert f'value="{code}"' in html


def test_a_language_not_offered_is_refused_with_a_reason(client):
    response = client.post(reverse("language_set"), {"language": "de"})
    assert response.status_code == 400 and "languages offered" in html_of(response)


def test_a_switch_goes_back_only_to_this_site(client):
    response = client.post(reverse("language_set"), {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_a_signed_in_switch_is_kept_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    client.post(reverse("language_set"), {"language": "sw"})
    user.refresh_from_db()
    assert user.language == "sw"


def test_the_account_language_wins_over_the_browser(client):
    user = UserFactory(language="sw")
    client.force_login(user)
    assert '<html lang="sw"' in html_of(client.get("/", headers={"accept-language": "fr"}))


def test_a_language_chosen_before_logging_in_is_kept_after(client):
    user = UserFactory(email="amina@example.test", password=PASSWORD, language="fr")
    client.post(reverse("language_set"), {"language": "ur"})
    response = client.post(reverse("account_login"), {"login": "amina@example.test", "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "ur"
    assert '<html lang="ur" dir="rtl">' in html_of(client.get("/"))


def test_the_browser_time_zone_is_used_and_saved_on_the_account(client):
    user = UserFactory()
    client.force_login(user)
    client.cookies["soko_tz"] = "Asia/Karachi"
    client.get("/")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Karachi"
    client.cookies["soko_tz"] = "Not/AZone"
    client.get("/")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Karachi"


def test_times_are_shown_in_the_viewer_time_zone(client):
    order = OrderFactory()
    order.buyer.time_zone = "Asia/Karachi"
    order.buyer.save(update_fields=["time_zone"])
    client.force_login(order.buyer)
    html = html_of(client.get(reverse("orders:detail", args=[order.number])))
    shown = timezone.localtime(order.created_at, zoneinfo.ZoneInfo("Asia/Karachi")).strftime("%H:%M")
    utc = timezone.localtime(order.created_at, zoneinfo.ZoneInfo("UTC")).strftime("%H:%M")
    assert shown in html and (shown == utc or utc not in html)


def test_speaking_to_someone_uses_their_language_and_zone():
    user = UserFactory.build(language="fr", time_zone="Africa/Conakry")
    with translation.override("sw"), speaking_to(user):
        assert translation.get_language() == "fr"
        assert str(timezone.get_current_timezone()) == "Africa/Conakry"
    assert translation.get_language() != "fr"


def test_a_french_seller_notifies_a_swahili_buyer_in_swahili_live_and_by_email(client, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr("shop.core.services.realtime.group_send", lambda group, message: sent.append((group, message["html"])))
    seller = UserFactory(language="fr")
    buyer = UserFactory(language="sw", email="wanjiku@example.test")
    store = StoreFactory(owner=seller, name="Kaloum Électronique")
    order = OrderFactory(buyer=buyer, store=store)
    mail.outbox.clear()
    client.force_login(seller)
    with translation.override("fr"), django_capture_on_commit_callbacks(execute=True):  # the seller's request speaks French
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=seller, role=Role.SELLER)
    notification = Notification.objects.get(user=buyer)
    with translation.override("sw"):
        expected = translation.gettext("%(store)s confirmed your order %(number)s.") % {
            "store": store.name, "number": order.number,
        }
    with translation.override("fr"):
        french = translation.gettext("%(store)s confirmed your order %(number)s.")
    assert expected != f"{store.name} confirmed your order {order.number}."
    assert notification.text == expected and "confirmed" not in notification.text and french not in notification.text
    (email,) = [message for message in mail.outbox if message.to == [buyer.email]]
    assert expected in email.subject and expected in email.body
    buyer_pushes = "".join(html for group, html in sent if group == user_group(buyer.pk))
    assert expected in buyer_pushes


def test_notifications_read_in_the_language_their_recipient_chooses_later(client, django_capture_on_commit_callbacks):
    seller = UserFactory()
    buyer = UserFactory(language="sw")
    order = OrderFactory(buyer=buyer, store=StoreFactory(owner=seller))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=seller, role=Role.SELLER)
    notification = Notification.objects.get(user=buyer)
    said = {}
    for language in ("sw", "fr", "en"):
        with translation.override(language):
            said[language] = translation.gettext("%(store)s confirmed your order %(number)s.") % {
                "store": order.store.name, "number": order.number,
            }
    assert len(set(said.values())) == 3 and notification.text == said["sw"]
    client.force_login(buyer)
    assert said["sw"] in html_of(client.get(reverse("notifications:list")))
    client.post(reverse("language_set"), {"language": "fr"})
    html = html_of(client.get(reverse("notifications:list")))
    assert said["fr"] in html and said["sw"] not in html


def test_a_notification_given_already_rendered_reads_the_same_in_every_language(client):
    notification = notify(user=UserFactory(), kind="system", text="Karibu Soko")
    assert notification.texts == {}
    client.force_login(notification.user)
    for language in ("fr", "ur"):
        client.post(reverse("language_set"), {"language": language})
        assert "Karibu Soko" in html_of(client.get(reverse("notifications:list")))


def test_the_profile_sets_language_time_zone_and_display_currency(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Amina", "language": "sw", "time_zone": "Africa/Nairobi", "display_currency": "GNF"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone, user.display_currency) == ("sw", "Africa/Nairobi", "GNF")
    assert '<html lang="sw"' in html_of(client.get(reverse("accounts:profile")))
    response = client.post(reverse("accounts:profile"), {"display_name": "Amina", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and "Mars/Olympus" in html_of(response)
    user.refresh_from_db()
    assert user.time_zone == "Africa/Nairobi"


@pytest.mark.parametrize(("language", "sign_in"), [("fr", "Connexion"), ("sw", "Ingia"), ("ur", "سائن ان")])
def test_the_sign_in_page_speaks_each_language(client, language, sign_in):
    """allauth ships French; Swahili and Urdu for its pages come from locale_allauth/."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert sign_in in html_of(client.get(reverse("account_login")))
