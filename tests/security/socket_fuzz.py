"""The pieces of the socket fuzz: every websocket route, the objects their addresses name,
who may open each, and the hostile frames.

Routes come from ``site_config.routing.websocket_urlpatterns``, so a new socket is fuzzed
the day it is added; it must say who may open it (``MAY_OPEN``) and, for a new kind of
path argument, which object to open it for (``socket_path_values``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver

from shop.catalog.models import Product
from site_config.routing import websocket_urlpatterns
from tests.factories import UserFactory
from tests.factories.auctions import live_auction
from tests.factories.chat import chat_world

from .fuzz import route_params

ROLES = ("anonymous", "stranger", "party")
# Who may open each socket: anyone may watch a public auction; the job board and the
# notification socket take any signed-in person (the board's areas only for couriers);
# a conversation's socket only those in it.
MAY_OPEN = {
    "ws/notifications/": {"stranger", "party"},
    "ws/jobs/": {"stranger", "party"},
    "ws/auctions/<int:auction_id>/": {"anonymous", "stranger", "party"},
    "ws/chat/<int:conversation_id>/": {"party"},
}
# Written into every hostile frame: no other person's socket may ever receive it.
MARKER = "fz-7f3a"
# Frames a page never sends, each read on a socket that stays open afterwards or closes
# cleanly: binary, markup posing as the typing note's fields, broken and odd JSON, NUL.
HOSTILE_FRAMES: list[tuple[str, bytes]] = [
    ("binary", b"\x00\xff" + MARKER.encode()),
    ("text", f'{{"typing": 1, "name": "<b>{MARKER}</b>", "side": "buyer", "from": "{MARKER}"}}'.encode()),
    ("text", f'{{"typing": "<img src=x onerror=alert(1)>{MARKER}"}}'.encode()),
    ("text", b'{"typing": ' + MARKER.encode()),
    ("text", f'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["{MARKER}"'.encode()),
    ("text", f'"{MARKER}\\u0000"'.encode()),
    ("text", f"{MARKER}\x00".encode()),
    ("text", b""),
]
# Frames that must close the socket, each on a socket of its own, with the codes that are a
# clean close: too large for a page (4008, or 1009 beyond the server's own limit); not
# UTF-8 in a text frame: the server's websocket library drops the connection before the
# application sees the frame (1006; 1007 from a library that says why).
CLOSING_FRAMES: list[tuple[str, str, bytes, set[int]]] = [
    ("huge text", "text", (MARKER * 20_000).encode(), {4008, 1009}),
    ("huge binary", "binary", MARKER.encode() * 20_000, {4008, 1009}),
    ("invalid UTF-8", "text", b"\xff\xfe" + MARKER.encode() + b"\xc3\x28", {1006, 1007}),
]
# A path argument no object has: a missing id, and one too large for any database column.
MISSING_VALUES = ("2147483647", "9" * 25)


def socket_routes() -> list[str]:
    """Every websocket route, spelled as in the HTTP fuzz (``ws/auctions/<int:auction_id>/``)."""

    def walk(patterns, prefix: str):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted(set(walk(websocket_urlpatterns, "")))


@dataclass
class SocketWorld:
    """A conversation (its buyer is the party, the store's owner the other side), a public
    auction of that store, a hidden one, and a stranger to all of it."""

    party: object
    other_side: object
    stranger: object
    conversation: object
    auction: object
    hidden_auction: object

    def user(self, role: str):
        return {"anonymous": None, "stranger": self.stranger, "party": self.party}[role]


def socket_world_build() -> SocketWorld:
    chat = chat_world()
    auction = live_auction(store=chat.store)
    hidden = live_auction(store=chat.store)
    Product.objects.filter(pk=hidden.product_id).update(status=Product.Status.REJECTED)
    return SocketWorld(
        party=chat.buyer,
        other_side=chat.owner,
        stranger=UserFactory(),
        conversation=chat.conversation,
        auction=auction,
        hidden_auction=hidden,
    )


def socket_path_values(world: SocketWorld) -> dict[str, str]:
    """The object each path argument names, for the party."""
    return {"auction_id": str(world.auction.pk), "conversation_id": str(world.conversation.pk)}


def socket_hidden_values(world: SocketWorld) -> dict[str, list[str]]:
    """Path arguments naming objects nobody may open a socket for, besides missing ones."""
    return {"auction_id": [str(world.hidden_auction.pk)], "conversation_id": []}


def missing_path_values(route: str, world: SocketWorld) -> list[str]:
    """Parameters of the route that the fuzz does not know an object for."""
    return [name for name in route_params(route) if name not in socket_path_values(world)]
