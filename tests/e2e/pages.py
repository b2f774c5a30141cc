"""Small page helpers shared by the browser tests."""

import time
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

# (test name, in-page ms, test-side ms) for the terminal summary (see conftest.py).
LATENCIES: list[tuple[str, float, float]] = []


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the real allauth form, land on the home page (LOGIN_REDIRECT_URL)
    and wait for its live socket."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    wait_for_socket(page)


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


def wait_for_bell_change(page: Page, enqueued_at: float, timeout_ms: int = 5_000) -> tuple[float, float]:
    """Wait for the bell's count to change; return (in-page latency, test-side latency) in
    ms, both measured from ``enqueued_at`` (time.time() just before the task was enqueued).
    The in-page figure is the moment the page's DOM changed; the test-side one adds the
    round trip of Playwright's polling, an upper bound. Waits longer than the 2 s budget
    so that a slow delivery fails the latency assertion with its figure, not a timeout."""
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
