"""The site is named by its setting (``SOKO_SITE_NAME``), never by a word written into a
string: a marketplace run under another name says that name on every page, message, push
and email, in every language.

- No string marked for translation (in the code, the templates and every catalog) spells
  "Soko": it says ``%(site)s`` (``{{ site }}`` in a template, filled with ``site_name``) and
  is given the setting. No translation spells it either (in Latin or Arabic script), where
  its msgid does not.
- With the setting changed, a store's payouts page, a return's pages for the buyer and the
  store, the flash message after asking staff, the return's live part pushed over the
  socket (rendered without a request, so without the context processor), an email and a
  choices label in French say the new name and never "Soko".
"""

import html
import re

import pytest
from django.core import mail
from django.utils import translation

from returns import services as returns
from returns.models import ReturnRequest, ReturnStatus
from shop.notifications.models import Notification
from shop.notifications.services.notifications import notification_email_send
from tests.factories import StoreFactory
from tests.i18n.test_catalogs import LANGUAGES, catalog, script_messages, source_messages
from tests.returns.conftest import delivered_order, member

NAME = "Duka"
# The name in the catalogs as they stood: Urdu translations spelled it in Arabic script too.
LITERAL = re.compile(r"\bSoko\b|سوکو")


def _strings(message) -> list[str]:
    return [part for part in (message.string if isinstance(message.string, tuple) else [message.string]) if part]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def test_no_marked_string_spells_the_sites_name():
    found = {**source_messages(), **script_messages()}
    literal = sorted(f"{where}: {key[0]!r}" for key, where in found.items() if LITERAL.search(key[0]))
    assert not literal, "name the site with %(site)s and the setting:\n" + "\n".join(literal)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_no_catalog_entry_spells_the_sites_name(language, domain):
    entries = [message for message in catalog(language, domain) if message.id]
    in_ids = [message.id for message in entries if any(LITERAL.search(text) for text in _ids(message))]
    in_translations = [
        (message.id, text) for message in entries for text in _strings(message) if LITERAL.search(text)
    ]
    assert (in_ids, in_translations) == ([], [])


@pytest.fixture
def duka(settings):
    settings.SOKO_SITE_NAME = NAME
    return NAME


def _text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _assert_named(text: str, *sentences: str) -> None:
    for sentence in sentences:
        assert sentence in text
    assert not LITERAL.search(text), LITERAL.findall(text)


@pytest.mark.django_db
def test_the_payouts_page_says_the_configured_name(duka, client):
    store = StoreFactory()
    client.force_login(store.memberships.get(role="owner").user)

    page = _text(client.get("/dashboard/payouts/"))

    _assert_named(
        page,
        "Duka pays it out by hand",
        "sent here from Duka's escrow",  # the wallet form's help text, made when the module was imported
    )


@pytest.fixture
def pushes(monkeypatch):
    sent = []
    monkeypatch.setattr(
        "shop.core.services.realtime.push_html_on_commit", lambda group, fragment, **kwargs: sent.append((group, fragment))
    )
    return sent


@pytest.mark.django_db
def test_a_return_asked_to_staff_says_the_configured_name(duka, client, pushes):
    order = delivered_order()
    item = order.items.order_by("id").first()
    ret = returns.return_request_create(order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged")
    returns.return_reject(request=ret, actor=member(order), reason="Worn")
    client.force_login(order.buyer)

    page = _text(client.post(f"/returns/{ret.pk}/escalate/", {"text": "It came cracked"}, follow=True))

    _assert_named(
        page,
        "Duka staff will look at your return",  # the flash message
        "Duka staff are looking at your return",
        "With Duka staff",  # the status's choices label
    )
    pushed = html.unescape("".join(fragment for group, fragment in pushes if group == f"user.{order.buyer.pk}"))
    _assert_named(pushed, "Duka staff are looking at your return")
    told = Notification.objects.get(user=member(order), text__contains="rejected return")
    _assert_named(told.text, "asked Duka staff to look at the rejected return")
    with translation.override("fr"):
        label = str(ReturnStatus.ESCALATED.label)
    _assert_named(label, NAME)
    assert label != "With Duka staff", "the label is still translated"


@pytest.mark.django_db
def test_a_disputed_return_says_the_configured_name_on_the_stores_page_and_in_the_buyers_email(duka, client):
    order = delivered_order()
    item = order.items.order_by("id").first()
    ret = returns.return_request_create(order=order, buyer=order.buyer, lines={item.pk: 1}, reason="damaged")
    ret = returns.return_approve(request=ret, actor=member(order), method="drop_off")
    ret = returns.return_receive(request=ret, actor=member(order))
    ret = returns.return_dispute(request=ret, actor=member(order), text="The strap is cut")
    with pytest.raises(returns.ReturnError) as refused:
        returns.return_dispute_decide(request=ret, staff=member(order), refund=True, note="Mine")
    _assert_named(str(refused.value), "Only Duka staff decide disputed returns.")

    client.force_login(member(order))
    page = _text(client.get(f"/dashboard/returns/{ret.pk}/"))
    _assert_named(page, "You disputed this return; Duka staff decide.")

    told = Notification.objects.get(user=order.buyer, text__contains="The strap is cut")
    assert notification_email_send(notification_id=told.pk)
    [email] = mail.outbox
    _assert_named(email.subject + email.body, "Duka staff will decide: The strap is cut")
    assert ReturnRequest.objects.get(pk=ret.pk).status == ReturnStatus.DISPUTED
