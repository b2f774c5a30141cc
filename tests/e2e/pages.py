"""Small page helpers shared by the browser tests."""

import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, totp_code

# (test name, in-page ms, test-side ms) for the terminal summary (see conftest.py).
LATENCIES: list[tuple[str, float, float]] = []
# How soon a pushed change must show for a browser test to call it live: far under any
# reload or reconnection the page could fall back to, and loose enough for a busy machine.
# How fast pushes are is measured by the benchmarks in bench/, never by these tests.
LIVE_MS = 10_000
# An assertion waits as long for what a request brings (an htmx swap on a machine running two
# suites at once can take seconds); one that holds answers at once either way.
expect.set_options(timeout=LIVE_MS)


def console_errors(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions from now on (each with the
    address it happened on): a test asserts the list is empty at the end."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return errors


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real allauth form, land on the home page (LOGIN_REDIRECT_URL)
    and wait for its live socket."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    wait_for_socket(page)


def staff_log_in(page: Page, email: str, secret: str, next_path: str = "/admin/") -> None:
    """Sign a staff member in through allauth's two steps (password, then the code of the
    authenticator app holding ``secret``) and land on ``next_path``."""
    page.goto(f"/accounts/login/?next={next_path}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.fill("input[name=code]", totp_code(secret))
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: urlsplit(url).path == next_path, timeout=LIVE_MS)


# Predicates given to wait_for_function are arrow functions: Playwright compiles one once
# and calls it while polling, where a plain expression would be eval'd on every poll, which
# the Content-Security-Policy (no 'unsafe-eval') refuses.


def wait_for_socket(page: Page, timeout_ms: int = 10_000) -> None:
    """The htmx ws extension has opened /ws/notifications/ (the server has joined the
    user's group before accepting, so a push sent from now on reaches this page)."""
    page.wait_for_function("() => window.__e2e && window.__e2e.wsOpen > 0", timeout=timeout_ms)


def bell_count(page: Page) -> int:
    return int(page.locator("#bell-count").get_attribute("data-count"))


def watch_page(page: Page) -> dict:
    """Mark the current document and count main-frame navigations, to prove later that an
    update arrived without a reload. Also timestamp (Date.now) the first change of the
    bell's count in the page itself."""
    navigations = {"count": 0}

    def count(frame):
        if frame == page.main_frame:
            navigations["count"] += 1

    page.on("framenavigated", count)
    page.evaluate(
        """() => {
            window.__e2eMarker = "same-document";
            window.__bellChangedAt = null;
            const start = document.getElementById("bell-count").dataset.count;
            new MutationObserver(() => {
                const bell = document.getElementById("bell-count");
                if (window.__bellChangedAt === null && bell && bell.dataset.count !== start) {
                    window.__bellChangedAt = Date.now();
                }
            }).observe(document.body, {
                subtree: true, childList: true, attributes: true, attributeFilter: ["data-count"],
            });
        }"""
    )
    return navigations


def wait_for_bell_change(page: Page, enqueued_at: float, timeout_ms: int = 2 * LIVE_MS) -> tuple[float, float]:
    """Wait for the bell's count to change; return (in-page latency, test-side latency) in
    ms, both measured from ``enqueued_at`` (time.time() just before the task was enqueued).
    The in-page figure is the moment the page's DOM changed; the test-side one adds the
    round trip of Playwright's polling, an upper bound. Waits longer than ``LIVE_MS`` so
    that a slow delivery fails the assertion with its figure, not a timeout."""
    page.wait_for_function("() => window.__bellChangedAt !== null", timeout=timeout_ms, polling=10)
    seen = time.time()
    changed_at_ms = page.evaluate("window.__bellChangedAt")
    return changed_at_ms - enqueued_at * 1000, (seen - enqueued_at) * 1000


def assert_same_document(page: Page, navigations: dict) -> None:
    assert page.evaluate("window.__e2eMarker") == "same-document", "the page was reloaded"
    assert navigations["count"] == 0, f"the page navigated {navigations['count']} time(s)"


__all__ = [
    "LATENCIES",
    "assert_same_document",
    "bell_count",
    "drop_socket_while_offline",
    "expect",
    "log_in",
    "wait_for_bell_change",
    "wait_for_socket",
    "watch_page",
]


# Keeps the htmx ws extension's socket wrapper, so a test can make it reconnect, and
# counts the page's re-reads of its live fragments.
KEEP_SOCKET = """
window.__liveReads = 0;
document.addEventListener("htmx:wsOpen", function (e) { window.__socket = e.detail.socketWrapper; });
document.addEventListener("htmx:afterRequest", function (e) {
  if (e.detail.successful && /\\/live\\/$/.test(e.detail.pathInfo.requestPath)) { window.__liveReads += 1; }
});
"""


# Counts the socket's closes and keeps the browser's socket of the last open, so a test can
# tell when the page knows it is offline.
COUNT_CLOSES = """
window.__wsClosed = 0;
document.addEventListener("htmx:wsOpen", function (e) { window.__rawSocket = e.detail.event.target; });
document.addEventListener("htmx:wsClose", function () { window.__wsClosed += 1; });
"""


def drop_socket_while_offline(page) -> None:
    """Take the page offline and drop its socket, as a lost network would (Chromium's offline
    mode leaves an open socket be); return once the dropped socket is closed and one
    reconnection attempt has failed. Needs KEEP_SOCKET and COUNT_CLOSES.

    The dropped socket must be closed, not closing: the server answers its closing handshake
    when it gets to it, and a message arriving meanwhile still reaches htmx."""
    page.context.set_offline(True)
    page.evaluate("window.__dropped = window.__rawSocket; window.__wsClosed = 0; window.__socket.reconnect()")
    page.wait_for_function(
        "() => window.__dropped.readyState === WebSocket.CLOSED && window.__wsClosed >= 2", timeout=30_000
    )


def store_moves_order(page: Page, number: str, to: str) -> float:
    """Click the store's button that moves order ``number`` to ``to``; return once the answer
    is back (the change is committed, its pushes sent), with that moment (time.time()). A
    live change is timed from there, so a slow request on a busy machine is not taken for a
    slow push."""
    path = f"/dashboard/orders/{number}/action/"
    with page.expect_response(
        lambda r: r.request.method == "POST" and urlsplit(r.url).path == path, timeout=3 * LIVE_MS
    ) as answer:
        page.locator(f"button[data-action={to}]").click()
    assert answer.value.status < 400, f"moving the order to {to} answered {answer.value.status}"
    return time.time()


def timeline_changed_ms(page: Page, since: float) -> float:
    """Wait for the order timeline watched by ``open_order_page`` to change; return how long
    after ``since`` (time.time()) the page saw it, in ms (negative: before ``since``)."""
    page.wait_for_function("() => window.__timelineChangedAt !== null", timeout=LIVE_MS, polling=10)
    return page.evaluate("window.__timelineChangedAt") - since * 1000


def open_order_page(page, path: str) -> None:
    page.context.add_init_script(KEEP_SOCKET)
    page.goto(path)
    wait_for_socket(page)
    page.wait_for_function("() => window.__liveReads >= 1")  # the re-read on the first connect
    page.evaluate(
        """(number) => {
            window.__marker = "same-document";
            window.__timelineChangedAt = null;
            const start = document.getElementById("order-timeline-" + number).dataset.status;
            new MutationObserver(() => {
                const timeline = document.getElementById("order-timeline-" + number);
                if (window.__timelineChangedAt === null && timeline && timeline.dataset.status !== start) {
                    window.__timelineChangedAt = Date.now();
                }
            }).observe(document.body, {subtree: true, childList: true, attributes: true});
        }""",
        page.url.rstrip("/").split("/")[-1],
    )


def assert_charts_fit(page: Page, width: int) -> None:
    """The page is no wider than `width` even while a chart still has its size from a wider
    screen: Chart.js resizes a canvas a frame or more after its box changes (longer on a busy
    phone), so each canvas is held at twice the width here before measuring."""
    page.evaluate("w => document.querySelectorAll('canvas').forEach(c => { c.style.width = (2 * w) + 'px'; })", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def shot(page: Page, name: str, *, selector: str | None = None) -> None:
    """Save a screenshot (the whole page, or one element) as ``name``.png when SOKO_SHOTS_DIR
    is set, for people to look at; never by default. The caret is left as it is: hiding it
    injects a style element, which the pages' CSP refuses with a console error."""
    folder = os.environ.get("SOKO_SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if selector:
        page.locator(selector).screenshot(path=str(Path(folder) / f"{name}.png"), caret="initial")
    else:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True, caret="initial")


# A transparent 1×1 PNG: the map tiles' stand-in, for this machine is offline.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def offline_images(route):
    """Pictures from other hosts (map tiles) get a blank pixel; anything else from another
    host is refused, and reported as a failed request."""
    if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    elif route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=PIXEL)
    else:
        route.abort()
