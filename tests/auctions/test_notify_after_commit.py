"""Auction notices are written with the move that causes them, in its transaction (a worker
dying after the commit cannot lose them), and rendered and pushed only after the commit,
never while the auction's row lock is held: before the commit callbacks run nothing is
rendered or pushed, and then exactly the people written to are told."""

from decimal import Decimal

import pytest

from shop.auctions.models import Auction
from shop.auctions.services import auction_close, bid_place, reserve_offer_make
from shop.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction

pytestmark = pytest.mark.django_db


def bid(auction, user, amount):
    return bid_place(auction_id=auction.pk, bidder=user, amount=Decimal(amount))


@pytest.fixture
def renders(monkeypatch):
    """The notices' bell fragments rendered, by template name."""
    from shop.notifications.services import notifications

    rendered = []
    render = notifications.render_to_string
    monkeypatch.setattr(notifications, "render_to_string", lambda name, context: rendered.append(name) or render(name, context))
    return rendered


@pytest.fixture
def told(django_capture_on_commit_callbacks, pushes, renders):
    def run(move) -> list[tuple[int, str]]:
        """Run ``move`` with the commit callbacks held back: the notices are written, nothing
        is rendered or pushed until they run; then (recipient id, text) of the notices, each
        pushed to its recipient."""
        before = set(Notification.objects.values_list("pk", flat=True))
        renders.clear()
        pushes.clear()
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            move()
        written = sorted(Notification.objects.exclude(pk__in=before).values_list("user_id", "text"))
        assert written, "nothing was written with the move"
        assert renders == [] and pushes == [], "rendered or pushed under the lock"
        with django_capture_on_commit_callbacks(execute=True):  # as after a real commit
            for callback in callbacks:
                callback()
        pushed = {group for group, _html in pushes}
        assert all(f"user.{user_id}" in pushed for user_id, _text in written), pushed
        return written

    return run


def seller_of(auction: Auction):
    return auction.store.memberships.get().user


def test_the_outbid_bidder_is_told_after_commit(told):
    auction = live_auction(start_price="100")
    amina, baraka = UserFactory(), UserFactory()
    bid(auction, amina, "150")

    notes = told(lambda: bid(auction, baraka, "300"))

    assert [user_id for user_id, _text in notes] == [amina.pk]
    assert notes[0][1].startswith("You were outbid on")


def test_a_sale_tells_the_winner_and_the_store_after_commit(told):
    auction = live_auction(start_price="100")
    amina = UserFactory()
    bid(auction, amina, "150")
    ended(auction)

    notes = told(lambda: auction_close(auction_id=auction.pk))

    assert {user_id for user_id, _text in notes} == {amina.pk, seller_of(auction).pk}
    assert any(text.startswith("You won") for _user, text in notes)
    assert any(text.startswith("Auction sold") for _user, text in notes)


def test_an_unsold_close_and_a_reserve_offer_are_told_after_commit(told):
    auction = live_auction(start_price="100", reserve_price="500")
    amina = UserFactory()
    bid(auction, amina, "150")
    ended(auction)

    closing = told(lambda: auction_close(auction_id=auction.pk))
    assert sorted(user_id for user_id, _text in closing) == sorted([seller_of(auction).pk, amina.pk])
    texts = dict(closing)
    assert texts[seller_of(auction).pk].startswith("Auction ended below your reserve")
    assert texts[amina.pk].endswith("ended below the seller's reserve: it was not sold.")

    offer = told(
        lambda: reserve_offer_make(auction_id=auction.pk, actor=seller_of(auction)),
    )
    assert [user_id for user_id, _text in offer] == [amina.pk]
    assert offer[0][1].startswith("Second chance")
