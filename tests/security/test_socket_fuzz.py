"""Hostile frames on every socket, against a live daphne server: nothing breaks.

Every websocket route (``site_config.routing``, so a new socket is covered the day it is
added) is opened as an anonymous visitor, a stranger and a party to what it shows, and sent
what no page sends: binary frames, markup in the typing note's fields, broken JSON, NUL,
text that is not UTF-8, frames far larger than a page's, and a flood. Each socket either
stays open or closes cleanly (never 1011, the server's internal error), no exception
reaches the server's log, nothing written in a frame reaches another person's socket,
and a socket nobody may open for a path (someone else's conversation, a hidden or missing
auction, an id too large for any column) is refused.
"""

import pytest

from tests.e2e.conftest import soko_live  # noqa: F401  (the live daphne server)
from tests.realtime.client import BINARY, TEXT, Closed, RawSocket, frame
from tests.realtime.live import session_cookie

from .fuzz import route_fill, route_params
from .socket_fuzz import (
    CLOSING_FRAMES,
    HOSTILE_FRAMES,
    MARKER,
    MAY_OPEN,
    MISSING_VALUES,
    ROLES,
    missing_path_values,
    socket_hidden_values,
    socket_path_values,
    socket_routes,
    socket_world_build,
)

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = socket_routes()
CLOSE_POLICY_VIOLATION = 4008
FLOOD_FRAMES = 2000


def test_every_socket_route_is_fuzzed_and_says_who_may_open_it():
    assert "ws/notifications/" in ROUTES and "ws/auctions/<int:auction_id>/" in ROUTES
    assert set(ROUTES) == set(MAY_OPEN), "say in tests/security/socket_fuzz.py MAY_OPEN who may open each socket"


@pytest.fixture
def world():
    return socket_world_build()


def open_as(live, path: str, user) -> RawSocket:
    return RawSocket(live.url, path, cookie=session_cookie(user) if user is not None else "")


def opcode_of(kind: str) -> int:
    return BINARY if kind == "binary" else TEXT


def heard(socket: RawSocket) -> list:
    """Everything the socket has been sent so far (its close, if any, is kept in ``closed``)."""
    messages = []
    try:
        while True:
            messages.append(socket.receive(timeout=0.3))
    except (TimeoutError, Closed):
        return messages


@pytest.mark.parametrize("route", ROUTES)
def test_hostile_frames_never_break_a_socket(soko_live, world, route):  # noqa: F811
    assert not missing_path_values(route, world), f"say in socket_path_values which object {route} opens for"
    path = route_fill(route, socket_path_values(world))
    # Another person's sockets, and an anonymous auction watcher: none may hear a frame.
    others = [
        open_as(soko_live, "/ws/notifications/", world.other_side),
        open_as(soko_live, f"/ws/chat/{world.conversation.pk}/", world.other_side),
        open_as(soko_live, f"/ws/auctions/{world.auction.pk}/", None),
    ]
    assert all(other.accepted for other in others)
    findings: list[str] = []
    for role in ROLES:
        user = world.user(role)
        may_open = role in MAY_OPEN[route]
        socket = open_as(soko_live, path, user)
        if socket.accepted != may_open:
            findings.append(f"{role}: {path} {'opened' if socket.accepted else 'refused'}")
        if not socket.accepted:
            continue
        for kind, payload in HOSTILE_FRAMES:
            socket.send_raw(frame(opcode_of(kind), payload))
        if (code := socket.close_code(timeout=0.5)) is not None:
            findings.append(f"{role}: {path} closed with {code} on frames within the limits")
        socket.close()
        for name, kind, payload, clean in CLOSING_FRAMES:
            socket = open_as(soko_live, path, user)
            socket.send_raw(frame(opcode_of(kind), payload))
            if (code := socket.close_code()) not in clean:
                findings.append(f"{role}: {path} {name}: closed with {code}, expected one of {sorted(clean)}")
            socket.close()
        socket = open_as(soko_live, path, user)
        socket.send_raw(frame(TEXT, f'{{"typing": 1, "x": "{MARKER}"}}'.encode()) * FLOOD_FRAMES)
        if (code := socket.close_code()) != CLOSE_POLICY_VIOLATION:
            findings.append(f"{role}: {path} flood of {FLOOD_FRAMES} frames: closed with {code}")
        socket.close()
    for param in route_params(route):
        for value in [*socket_hidden_values(world)[param], *MISSING_VALUES]:
            hidden_path = route_fill(route, {**socket_path_values(world), param: value})
            for role in ROLES:
                socket = open_as(soko_live, hidden_path, world.user(role))
                if socket.accepted:
                    findings.append(f"{role}: {hidden_path} opened")
                socket.close()
    for other in others:
        leaked = [
            message
            for message in heard(other)
            if MARKER.encode() in (message if isinstance(message, bytes) else message.encode())
        ]
        if leaked:
            findings.append(f"another person's socket heard a frame's content: {leaked[0][:200]!r}")
        if other.closed is not None:
            findings.append(f"another person's socket was closed ({other.closed.code})")
        other.close()
    log = soko_live.server_log.read_text(errors="replace")
    if "Traceback" in log or "Exception inside application" in log:
        findings.append(f"the server logged an exception:\n{log[-3000:]}")
    assert not findings, "\n".join(findings)
