"""Appeals against take-downs, through the one appeal path accounts use: for every kind of
thing Soko takes down, the owner's notice links to the standing page, which lists the
take-down (not "good standing") with its appeal form; staff grant the appeal on the
appeal's admin page, and granting shows the thing again as it was."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.auctions.models import Auction
from shop.catalog.models import Product
from shop.chat.models import Message
from shop.chat.services.conversations import message_send
from shop.moderation.models import Appeal, Case, Takedown
from shop.moderation.reports.selectors import KINDS
from shop.moderation.reports.services import case_take_down, report_file
from shop.moderation.services.roles import MODERATORS, SUPPORT
from shop.notifications.models import Notification
from shop.reviews.models import Review
from shop.reviews.services import review_save
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db


def _owner_of_store(store):
    return store.memberships.get(role="owner").user


def _product():
    product = ProductFactory(title="Odd watch")
    return product, _owner_of_store(product.store), UserFactory()


def _auction():
    auction = live_auction()
    return auction, _owner_of_store(auction.store), UserFactory()


def _store():
    store = ProductFactory().store
    return store, _owner_of_store(store), UserFactory()


def _review():
    order = OrderFactory()
    type(order).objects.filter(pk=order.pk).update(status="delivered", delivered_at=timezone.now())
    order.refresh_from_db()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=1, text="Rubbish")
    return review, order.buyer, UserFactory()


def _message():
    world = chat_world()
    message = message_send(conversation=world.conversation, user=world.owner, text="Pay me outside Soko")
    return message, world.owner, world.buyer


TAKEN_DOWN = {"product": _product, "auction": _auction, "store": _store, "review": _review, "message": _message}

SHOWN = {
    "product": lambda product: Product.objects.visible().filter(pk=product.pk).exists(),
    "auction": lambda auction: Auction.objects.get(pk=auction.pk).status in Auction.OPEN,
    "store": lambda store: Product.objects.visible().filter(store=store).exists(),
    "review": lambda review: Review.objects.get(pk=review.pk).hidden_at is None,
    "message": lambda message: Message.objects.get(pk=message.pk).hidden_at is None,
}


def test_every_kind_soko_takes_down_is_walked():
    # An account's take-down is its deactivation, appealed as an account action.
    assert set(TAKEN_DOWN) | {"user"} == set(KINDS)


@pytest.mark.parametrize("kind", sorted(TAKEN_DOWN))
def test_the_owner_appeals_a_take_down_from_its_notice_and_a_granted_appeal_shows_it_again(kind):
    target, owner, reporter = TAKEN_DOWN[kind]()
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    report_file(reporter=reporter, target=target, reason="scam")
    case = Case.objects.get(target_id=target.pk, target_type__model=target._meta.model_name)
    case_take_down(case=case, actor=moderator, reason="Looks like a scam.")
    assert not SHOWN[kind](target)
    takedown = Takedown.objects.get(case=case)

    standing = reverse("moderation:standing")
    notice = Notification.objects.filter(user=owner).latest("id")
    assert notice.url == standing and "Looks like a scam." in notice.text

    seller = Client()
    seller.force_login(owner)
    page = seller.get(standing).content.decode()
    assert 'data-standing="takedowns"' in page and 'data-standing="good"' not in page, kind
    assert f'data-takedown="{takedown.pk}"' in page and 'data-testid="takedown-appeal-form"' in page
    sent = seller.post(standing, {"takedown": takedown.pk, "text": "It is genuine; here is the receipt."})
    assert sent.status_code == 302
    appeal = Appeal.objects.get(takedown=takedown, user=owner, status=Appeal.Status.OPEN)
    assert "Your appeal is waiting for staff." in seller.get(standing).content.decode()

    staff = Client()
    staff.force_login(moderator)
    appeal_page = staff.get(reverse("admin:moderation_appeal_change", args=[appeal.pk])).content.decode()
    grant = reverse("admin:moderation_appeal_decide", args=[appeal.pk, "grant"])
    assert grant in appeal_page
    assert staff.post(grant, {"response": "The receipt checks out."}).status_code == 302

    appeal.refresh_from_db()
    takedown.refresh_from_db()
    assert appeal.status == Appeal.Status.GRANTED and takedown.reversed_at is not None
    assert SHOWN[kind](target), kind
    page = seller.get(standing).content.decode()
    assert 'data-standing="good"' in page and "The receipt checks out." in page


def test_a_review_hidden_from_its_admin_page_is_a_take_down_its_author_may_appeal():
    review, author, _ = _review()
    moderator = UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    staff = Client()
    staff.force_login(moderator)
    change_page = staff.get(reverse("admin:reviews_review_change", args=[review.pk])).content.decode()
    hide = reverse("admin:reviews_review_hide", args=[review.pk])
    assert hide in change_page
    assert staff.post(hide, {"reason": "Personal details"}).status_code == 302
    assert not SHOWN["review"](review)
    takedown = Takedown.objects.get(target_id=review.pk, target_type__model="review", reversed_at__isnull=True)
    assert takedown.case.status == Case.Status.CONFIRMED and takedown.created_by == moderator
    notice = Notification.objects.filter(user=author).latest("id")
    assert notice.url == reverse("moderation:standing") and "Personal details" in notice.text

    owner = Client()
    owner.force_login(author)
    assert f'data-takedown="{takedown.pk}"' in owner.get(reverse("moderation:standing")).content.decode()

    staff.post(reverse("admin:reviews_review_changelist"), {"action": "unhide", "_selected_action": [review.pk]})
    takedown.refresh_from_db()
    assert SHOWN["review"](review) and takedown.reversed_at is not None


def test_only_staff_who_decide_take_downs_hide_a_review():
    review, _, _ = _review()
    support = UserFactory(is_staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))
    staff = Client()
    staff.force_login(support)
    hide = reverse("admin:reviews_review_hide", args=[review.pk])
    assert hide not in staff.get(reverse("admin:reviews_review_change", args=[review.pk])).content.decode()
    assert staff.post(hide, {"reason": "Personal details"}).status_code == 403
    assert SHOWN["review"](review)
