"""Where a report sends its reporter: back to the page they reported from, or, when their
report hid what that page showed, to a page that exists, always with the thanks. Walked
over every kind a person can report (``KINDS``), from the Report link on the real page."""

import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.chat.services.conversations import message_send
from shop.moderation.models import Takedown
from shop.moderation.reports.selectors import KINDS
from shop.reviews.services import review_save
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory

from .reporters import TRUSTED_WEIGHT, make_trusted

pytestmark = pytest.mark.django_db

THANKS = "Thank you: your report reached Soko"


def _product():
    product = ProductFactory(title="Odd watch")
    return product, f"/p/{product.slug}/", UserFactory(), product.store


def _auction():
    auction = live_auction()
    return auction, reverse("auctions:detail", args=[auction.pk]), UserFactory(), auction.store


def _store():
    product = ProductFactory()
    return product.store, f"/s/{product.store.slug}/", UserFactory(), product.store


def _review():
    order = OrderFactory()
    type(order).objects.filter(pk=order.pk).update(status="delivered", delivered_at=timezone.now())
    order.refresh_from_db()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=1, text="Rubbish")
    return review, f"/p/{review.product.slug}/", UserFactory(), order.store


def _message():
    world = chat_world()
    message = message_send(conversation=world.conversation, user=world.owner, text="Pay me outside Soko")
    return message, reverse("chat:conversation", args=[world.conversation.pk]), world.buyer, world.store


def _user():
    world = chat_world()
    message_send(conversation=world.conversation, user=world.buyer, text="Hello")
    return world.buyer, reverse("chat:conversation", args=[world.conversation.pk]), world.owner, world.store


TARGETS = {"product": _product, "auction": _auction, "store": _store, "review": _review, "message": _message, "user": _user}


def test_every_reportable_kind_is_walked():
    assert set(TARGETS) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(TARGETS))
def test_the_report_that_hides_what_the_page_showed_lands_on_a_page_that_exists_with_thanks(client, settings, kind):
    # One trusted report is enough: this reporter's report reaches the threshold.
    settings.SOKO_REPORT_THRESHOLD = TRUSTED_WEIGHT
    target, page, reporter, store = TARGETS[kind]()
    make_trusted(reporter, store)
    client.force_login(reporter)

    shown = client.get(page)
    assert shown.status_code == 200, page
    report_url = reverse("moderation:report", args=[kind, target.pk])
    links = [unescape(href) for href in re.findall(r'href="([^"]+)"', shown.content.decode()) if href.startswith(report_url)]
    assert links, f"no Report link for the {kind} on {page}"

    landed = client.post(links[0], {"reason": "scam", "text": ""}, follow=True)
    assert landed.status_code == 200, (kind, landed.redirect_chain)
    assert THANKS in unescape(landed.content.decode()), kind
    hidden = Takedown.objects.filter(target_id=target.pk, target_type__model=target._meta.model_name).exists()
    # Reports alone never hide a store or an account: the reporter goes back where they were.
    assert hidden == (kind not in ("store", "user")), kind
    if not hidden:
        assert landed.redirect_chain[-1][0] == page
