"""One socket sending frames as fast as it can is closed, and nobody else waits for it: a
bid placed meanwhile reaches another watcher's auction page as soon as it does without the
flood, and a page still answers at once. Against a live daphne server."""

import time

import httpx
import pytest

from tests.factories import UserFactory
from tests.factories.auctions import live_auction

from .client import ABNORMAL, BINARY, TEXT, Flood, RawSocket, frame
from .live import csrf_token, post_form, seconds_until_seq, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

# The close code for a page that sends more, or larger, frames than a page does (1008,
# policy violation, in the application range).
CLOSE_POLICY_VIOLATION = 4008


def bid_and_time(soko_live, watcher: RawSocket, auction, bidder, amount: int, seq: int) -> float:
    """Seconds from posting a bid to its push reaching the watcher."""
    cookie = session_cookie(bidder)
    with httpx.Client(base_url=soko_live.url, timeout=30) as http:
        token = csrf_token(http, cookie, f"/auctions/{auction.pk}/")
        started = time.monotonic()
        response = post_form(http, cookie, token, f"/auctions/{auction.pk}/bid/", {"amount": str(amount)})
    assert response.status_code < 400, response.text[:500]
    return seconds_until_seq(watcher, auction.pk, seq, started)


def page_seconds(soko_live) -> float:
    started = time.monotonic()
    assert httpx.get(f"{soko_live.url}/healthz", timeout=30).status_code == 200
    return time.monotonic() - started


def test_a_flooding_socket_is_closed_and_a_watchers_bid_arrives_on_time(soko_live):
    auction = live_auction(start_price="100")
    amina, kofi = UserFactory(), UserFactory()
    watcher = RawSocket(soko_live.url, f"/ws/auctions/{auction.pk}/")
    assert watcher.accepted
    try:
        quiet = bid_and_time(soko_live, watcher, auction, amina, 150, seq=1)
        quiet_page = page_seconds(soko_live)

        flooder = RawSocket(soko_live.url, f"/ws/auctions/{auction.pk}/")
        assert flooder.accepted
        flood = Flood(flooder).start()
        assert flood.started.wait(10)
        during = bid_and_time(soko_live, watcher, auction, kofi, 200, seq=2)
        during_page = page_seconds(soko_live)
        flood.join()
        flooder.close()

        assert during < quiet + 2, f"the bid took {during:.2f} s to arrive during the flood, {quiet:.2f} s without"
        assert during_page < quiet_page + 2, (
            f"a page took {during_page:.2f} s during the flood, {quiet_page:.2f} s without"
        )
        assert flood.dropped_after is not None, f"still open after {flood.sent} frames in {flood.seconds} s"
        # The server closes with CLOSE_POLICY_VIOLATION, then drops this client, which never
        # answers the close (autobahn's closing-handshake timeout, rounded down to a whole
        # second of the clock, so at times within milliseconds). On a loaded machine the
        # client has seen only the drop (ABNORMAL) without the close frame before it (once
        # in a CI run, once in three runs beside four busy processes): the server's log
        # then says why it closed.
        assert flood.close_code in {CLOSE_POLICY_VIOLATION, ABNORMAL}, flood.close_code
        assert watcher.close_code(timeout=0.3) is None  # the watcher's socket stays open
    finally:
        watcher.close()
    log = soko_live.server_log.read_text(errors="replace")
    assert f"socket /ws/auctions/{auction.pk}/ from 127.0.0.1 closed: too many messages" in log, log[-3000:]
    assert "Traceback" not in log and "Exception inside application" not in log, log[-3000:]


@pytest.mark.parametrize(("opcode", "payload"), [(TEXT, b"x" * 5000), (BINARY, b"\x00" * 5000)], ids=["text", "binary"])
def test_a_frame_larger_than_a_page_sends_closes_the_socket(soko_live, opcode, payload):
    auction = live_auction()
    socket = RawSocket(soko_live.url, f"/ws/auctions/{auction.pk}/")
    assert socket.accepted
    try:
        socket.send_raw(frame(opcode, payload))
        assert socket.close_code() == CLOSE_POLICY_VIOLATION
    finally:
        socket.close()


def test_a_page_sending_at_a_pages_pace_stays_open(soko_live):
    """A chat page's typing notes, one every two seconds, and the odd burst: never closed."""
    auction = live_auction()
    socket = RawSocket(soko_live.url, f"/ws/auctions/{auction.pk}/")
    assert socket.accepted
    try:
        for _ in range(15):
            socket.send_text('{"typing": 1}')
        time.sleep(1)
        for _ in range(5):
            socket.send_text('{"typing": 1}')
            time.sleep(0.2)
        assert socket.close_code(timeout=0.5) is None
    finally:
        socket.close()
