"""Every way an auction ends or changes hands reaches every open page of it, without a
reload: each party's socket receives its own part. Visitors and everyone else on the page
lose the bid and buy-it-now forms; the winner gets Pay now; the other bidders read that
they did not win (and a notification says so); a watcher's box ends; the store's page of
the auction shows the outcome. The paths are walked from the services' code, so a new way
to end an auction must join this table."""

import ast
import inspect
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.auctions import services
from shop.auctions.models import Auction, SecondChanceOffer
from shop.auctions.services import (
    auction_cancel,
    auction_close,
    bid_place,
    buy_now,
    offer_answer,
    offers_expire,
    reserve_offer_make,
    unpaid_wins_settle,
    watch_set,
)
from shop.notifications.models import Notification
from shop.orders.services.payment_flow import checkouts_expire
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction
from tests.notifications.test_consumers import SOKO_ORIGIN, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def application():
    from site_config.asgi import application

    yield application
    async_to_sync(get_channel_layer().flush)()


@dataclass
class Story:
    auction: Auction
    winner: object
    loser: object
    watcher: object
    seller: object


def story(**terms) -> Story:
    """A live auction with two bidders (the winner leads) and a watcher."""
    auction = live_auction(start_price="100", **terms)
    winner, loser, watcher = UserFactory(), UserFactory(), UserFactory()
    if "buy_now_price" not in terms:
        bid_place(auction_id=auction.pk, bidder=loser, amount=Decimal("150"))
        bid_place(auction_id=auction.pk, bidder=winner, amount=Decimal("250"))
    watch_set(auction=auction, user=watcher, on=True)
    return Story(auction, winner, loser, watcher, auction.store.members.first())


def close(s: Story) -> None:
    ended(s.auction)
    assert auction_close(auction_id=s.auction.pk)


def buy(s: Story) -> None:
    buy_now(auction_id=s.auction.pk, buyer=s.winner, price=s.auction.buy_now_price)


def cancel(s: Story) -> None:
    auction_cancel(auction_id=s.auction.pk, actor=UserFactory(is_staff=True, totp=False), reason="Counterfeit.")


def unpaid_then_second_chance(s: Story) -> None:
    """The first winner never pays: the runner-up (here ``loser``, renamed ``winner``) is
    offered the item and accepts it."""
    close(s)
    s.auction.refresh_from_db()
    checkouts_expire(now=s.auction.order.checkout.payment_due_by + timedelta(seconds=1))
    unpaid_wins_settle()
    offer = SecondChanceOffer.objects.get(auction=s.auction)
    s.winner, s.loser = offer.bidder, s.winner
    offer_answer(offer_id=offer.pk, user=offer.bidder, accept=True, price=offer.amount)


# The services that end an auction or sell it, each with the story that walks it.
ENDINGS = {
    "auction_close": (close, {}, "sold"),
    "buy_now": (buy, {"buy_now_price": "15000"}, "sold"),
    "auction_cancel": (cancel, {}, "cancelled"),
    "_offer_answer": (unpaid_then_second_chance, {}, "sold"),
}


def ending_services() -> set[str]:
    """The services whose code ends an auction (status ENDED or CANCELLED) or sells it."""
    tree = ast.parse(inspect.getsource(services))
    found = set()
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or function.name == "_sell":
            continue
        for node in ast.walk(function):
            ends = (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Attribute) and t.attr == "status" for t in node.targets)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr in ("ENDED", "CANCELLED")
            )
            sells = isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_sell"
            if ends or sells:
                found.add(function.name)
    return found


def test_every_way_to_end_an_auction_is_walked_here():
    assert ending_services() == set(ENDINGS)


async def received(socket) -> str:
    texts = []
    while not await socket.receive_nothing(timeout=0.6):
        texts.append(await socket.receive_from())
    return "\n".join(texts)


def part(html: str, element_id: str) -> str:
    """The last pushed element with this id, up to the next pushed part (each push replaces
    the one before)."""
    starts = [m.start() for m in re.finditer(rf'<\w+ id="{element_id}"[^>]*hx-swap-oob="true"', html)]
    assert starts, f"nothing pushed to #{element_id}"
    rest = html[starts[-1] :]
    following = rest.find("hx-swap-oob", rest.find("hx-swap-oob") + 1)
    return rest if following < 0 else rest[:following]


@pytest.mark.parametrize("path", sorted(ENDINGS))
def test_an_ending_reaches_every_party_of_the_auction(application, path):
    walk, terms, outcome = ENDINGS[path]
    s = story(**terms)
    pk = s.auction.pk
    people = {"winner": s.winner, "loser": s.loser, "watcher": s.watcher, "seller": s.seller}
    if path == "_offer_answer":
        # The second chance goes to the runner-up: the first winner is the one left out.
        people = {"loser": s.winner, "winner": s.loser, "watcher": s.watcher, "seller": s.seller}
    if path == "buy_now":
        people.pop("loser")  # buy it now ends before any bid: nobody bid to lose
    cookies = {role: session_cookie(Client(), user) for role, user in people.items()}
    started = timezone.now()

    async def run():
        sockets = {"visitor": WebsocketCommunicator(application, f"/ws/auctions/{pk}/", headers=SOKO_ORIGIN)}
        for role, cookie in cookies.items():
            sockets[role] = WebsocketCommunicator(application, f"/ws/auctions/{pk}/", headers=[*SOKO_ORIGIN, cookie])
        for socket in sockets.values():
            assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(walk)(s)
        got = {role: await received(socket) for role, socket in sockets.items()}
        for socket in sockets.values():
            await socket.disconnect()
        return got

    got = async_to_sync(run)()
    auction = Auction.objects.get(pk=pk)
    status = "cancelled" if outcome == "cancelled" else "ended"

    # The visitor (and every socket on the page): the state and the bidding part end.
    visitor = got["visitor"]
    assert f'data-status="{status}"' in visitor
    bidding = part(visitor, f"auction-{pk}-bidding")
    assert "Bidding has ended." in bidding and "bid-form" not in bidding and "buy-now" not in bidding

    if outcome == "sold":
        mine = part(got["winner"], f"auction-{pk}-box")
        assert 'data-testid="pay-won"' in mine and "Pay now" in mine
        assert reverse("payments:status", args=[auction.order.checkout.idempotency_key]) in mine
    if "loser" in people:
        theirs = part(got["loser"], f"auction-{pk}-box")
        assert 'data-testid="you-lost"' in theirs and "pay-won" not in theirs and "bid-form" not in theirs
        notice = Notification.objects.filter(user=people["loser"], created_at__gte=started).values_list("text", flat=True)
        expected = {"auction_cancel": "nothing was sold", "_offer_answer": "recorded as unpaid"}.get(path, "You did not win.")
        assert any(expected in text for text in notice), list(notice)
    watching = part(got["watcher"], f"auction-{pk}-box")
    assert "Bidding has ended." in watching and "bid-form" not in watching and "pay-won" not in watching

    store = part(got["seller"], f"auction-{pk}-outcome")
    if outcome == "sold":
        assert "Sold for" in store and auction.order.number in store
    else:
        assert "Cancelled: nothing was sold." in store
    assert f'id="auction-{pk}-phase" hx-swap-oob="true"' in got["seller"]
    # Nobody's own part reaches anyone else's sockets.
    assert f'id="auction-{pk}-box"' not in visitor
    assert f'id="auction-{pk}-box"' not in got["seller"]


def test_an_unsold_close_and_a_reserve_offer_reach_the_bidder_and_the_store(application):
    s = story(reserve_price="1000")
    pk = s.auction.pk
    cookies = {"bidder": session_cookie(Client(), s.winner), "seller": session_cookie(Client(), s.seller)}

    async def run():
        sockets = {
            role: WebsocketCommunicator(application, f"/ws/auctions/{pk}/", headers=[*SOKO_ORIGIN, cookie])
            for role, cookie in cookies.items()
        }
        for socket in sockets.values():
            assert (await socket.connect(timeout=3))[0]
        await database_sync_to_async(close)(s)
        closed = {role: await received(socket) for role, socket in sockets.items()}
        await database_sync_to_async(reserve_offer_make)(auction_id=pk, actor=s.seller)
        offered = {role: await received(socket) for role, socket in sockets.items()}
        await database_sync_to_async(offers_expire)(now=timezone.now() + timedelta(days=30))
        expired = {role: await received(socket) for role, socket in sockets.items()}
        for socket in sockets.values():
            await socket.disconnect()
        return closed, offered, expired

    closed, offered, expired = async_to_sync(run)()
    assert "Offer the reserve price to the top bidder" in part(closed["seller"], f"auction-{pk}-outcome")
    assert 'data-testid="you-lost"' in part(closed["bidder"], f"auction-{pk}-box")
    assert 'data-testid="offer-accept"' in part(offered["bidder"], f"auction-{pk}-box")
    assert "data-offer-status=\"open\"" in part(offered["seller"], f"auction-{pk}-offers")
    assert 'data-testid="offer-accept"' not in part(expired["bidder"], f"auction-{pk}-box")
    assert "data-offer-status=\"expired\"" in part(expired["seller"], f"auction-{pk}-offers")
