"""The rules behind the socket limits: a socket's frame allowance, and the address a
socket counts under."""

from shop.notifications.services.socket_limits import FrameLimits, socket_client_address


def test_the_frame_allowance_refills_with_time_up_to_the_burst():
    limits = FrameLimits(per_second=2, burst=3, max_bytes=10, now=0)
    frame = {"type": "websocket.receive", "text": "hi"}

    assert [limits.refusal(frame, now=0) for _ in range(4)] == [None, None, None, "too many messages"]
    assert limits.refusal(frame, now=0.5) is None  # one more after half a second
    assert limits.refusal(frame, now=0.5) == "too many messages"
    assert [limits.refusal(frame, now=100) for _ in range(4)] == [None, None, None, "too many messages"]
    assert limits.refusal({"type": "websocket.receive", "text": "ü" * 6}, now=200) == "message too large"  # 12 bytes
    assert limits.refusal({"type": "websocket.receive", "bytes": b"x" * 10}, now=200) is None


def scope_with(client, *headers):
    return {"client": (client, 50000), "headers": [(name.encode(), value.encode()) for name, value in headers]}


def test_a_forwarded_address_counts_only_behind_the_trusted_proxies(settings):
    forged = ("X-Forwarded-For", "192.0.2.1, 198.51.100.9")

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert socket_client_address(scope_with("203.0.113.7", forged)) == "203.0.113.7"

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1  # the proxy appends the address it saw
    assert socket_client_address(scope_with("127.0.0.1", forged)) == "198.51.100.9"


def test_an_ipv6_client_counts_by_its_network():
    one = socket_client_address(scope_with("2001:db8:1:2::10"))
    other_in_same_network = socket_client_address(scope_with("2001:db8:1:2:ffff::1"))

    assert one == other_in_same_network == "2001:db8:1:2::/64"
    assert socket_client_address(scope_with("2001:db8:1:3::10")) != one
    assert socket_client_address(scope_with("::ffff:203.0.113.7")) == "203.0.113.7"
    assert socket_client_address({"headers": []}) is None
