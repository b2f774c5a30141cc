"""An auction watched live, in real browsers against the live server.

Two shoppers (a 390 px phone and a 1280 px desktop) and an anonymous viewer open the same
live auction. Shopper A bids through the page's form: as soon as A has an answer, B's
page and the viewer's show the new price and the new bid row, without a reload. B bids
higher: A's page follows likewise, and A is told they were outbid.

A viewer whose socket drops while three bids are placed reads the page's live parts again
once it reconnects: its sequence number is the auction's and every bid is listed. A push
that skips a sequence number (one was lost) makes the page read them again too.

With SOKO_SHOTS_DIR set, the pages are also saved there as PNG screenshots for review.
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from shop.auctions.models import Auction, Bid
from shop.auctions.services import bid_place
from shop.core.selectors.money import money_format
from tests.e2e.pages import (
    COUNT_CLOSES,
    KEEP_SOCKET,
    LATENCIES,
    LIVE_MS,
    drop_socket_while_offline,
    expect,
    log_in,
    wait_for_socket,
)
from tests.e2e.test_console_journeys import Console
from tests.factories import UserFactory
from tests.factories.auctions import live_auction

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LIVE_BUDGET_MS = LIVE_MS

# Marks the document (to prove later it was not reloaded) and notes, in the page itself,
# when each sequence number of the auction's state first appeared, and when each push
# arrived with which number (for the message of a test that waited in vain).
WATCH_SEQ = """(id) => {
    window.__marker = "same-document";
    window.__seqAt = {};
    window.__pushes = [];
    const note = () => {
        const state = document.getElementById("auction-" + id + "-state");
        if (state && !(state.dataset.seq in window.__seqAt)) { window.__seqAt[state.dataset.seq] = Date.now(); }
    };
    note();
    new MutationObserver(note).observe(document.body, {
        subtree: true, childList: true, attributes: true, attributeFilter: ["data-seq"],
    });
    document.addEventListener("htmx:wsBeforeMessage", (event) => {
        const seq = /data-seq="(\\d+)"/.exec(event.detail.message);
        window.__pushes.push([Date.now(), seq ? seq[1] : null]);
    });
}"""


def assert_only_offline_noise(problems: list[str]) -> None:
    """Every problem reported is one of the failed connection attempts while offline (each
    reported four times: by the browser, htmx's log of the error event, and htmx's two
    error events), and nothing else. They arrive here late: no cut-off in time will do."""
    failed = sum("net::ERR_INTERNET_DISCONNECTED" in problem for problem in problems)
    noise = {"console: [object Event]": failed, "htmx:error": failed, "htmx:wsError": failed}
    for problem in problems:
        if "net::ERR_INTERNET_DISCONNECTED" in problem:
            continue
        kind = problem.rsplit(" on /", 1)[0]
        if noise.get(kind, 0) <= 0:
            raise AssertionError("\n".join(problems))
        noise[kind] -= 1


def shot(page, name: str) -> None:
    """Save a full-page screenshot when SOKO_SHOTS_DIR is set (for review; never by default)."""
    folder = os.environ.get("SOKO_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def open_browser(new_page, viewport: dict):
    page = new_page()
    page.set_viewport_size(viewport)
    console = Console(page.context)
    console.watch(page)
    return console, page


def open_auction(page, auction: Auction) -> None:
    page.goto(f"/auctions/{auction.pk}/")
    wait_for_socket(page)
    page.evaluate(WATCH_SEQ, auction.pk)


def bid_through_page(page, auction: Auction, amount: str) -> float:
    """Type ``amount`` into the bid box and submit; return once the answer is back, with
    the moment (time.time()) of the click."""
    form = page.get_by_test_id("bid-form")
    form.locator("input[name=amount]").fill(amount)
    path = f"/auctions/{auction.pk}/bid/"
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path)) as answer:
        clicked_at = time.time()
        form.get_by_test_id("bid-submit").click()
    assert answer.value.ok, f"the bid answered {answer.value.status}"
    return clicked_at


def bid_from_server(auction: Auction, bidder, amount: str) -> None:
    """Bid as the service does, from this process (same database as the live server). In a
    thread of its own: this one runs Playwright's event loop, where the push after commit
    could not be sent."""

    def work():
        try:
            bid_place(auction_id=auction.pk, bidder=bidder, amount=Decimal(amount))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(work).result()


def history(auction: Auction) -> list[str]:
    """The amounts of the auction's bids, highest (newest) first, as the rows' data-amount."""
    amounts = Bid.objects.filter(auction=auction).order_by("-amount").values_list("amount", flat=True)
    return [str(amount) for amount in amounts]


def shows_state(page, auction: Auction, *, timeout: float) -> None:
    """The page shows the auction as the database has it now: its sequence number, the
    newest bid row (both waited for up to ``timeout`` ms), the price, every bid."""
    auction.refresh_from_db()
    rows = page.locator(f"#auction-{auction.pk}-history [data-testid=bid-row]")
    try:
        page.locator(f'#auction-{auction.pk}-state[data-seq="{auction.seq}"]').wait_for(timeout=timeout)
        rows.and_(page.locator(f'[data-amount="{history(auction)[0]}"]')).wait_for(timeout=timeout)
    except PlaywrightTimeoutError:
        seen = page.evaluate("[Date.now(), window.__seqAt, window.__pushes]")
        raise AssertionError(
            f"seq {auction.seq} not shown within {timeout} ms; page now, seq first seen, pushes (ms, seq): {seen}"
        ) from None
    expect(page.get_by_test_id("auction-price")).to_have_text(money_format(auction.current_price, auction.currency))
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.amount)") == history(auction)
    expect(page.get_by_test_id("auction-bid-count")).to_have_text(re.compile(rf"^{auction.bid_count} bids?$"))


def latency(request, page, auction: Auction, clicked_at: float, who: str) -> None:
    page_ms = page.evaluate("(seq) => window.__seqAt[seq]", str(auction.seq)) - clicked_at * 1000
    LATENCIES.append((f"{request.node.name} ({who})", page_ms, (time.time() - clicked_at) * 1000))


def same_document(page) -> None:
    assert page.evaluate("window.__marker") == "same-document", "the page was reloaded"


def test_two_shoppers_and_a_viewer_follow_the_bidding_live(request, new_page):
    auction = live_auction(start_price="100", title="Carved mvule stool")
    # Another on the list, with a long title and a reserve.
    title = "Hand-woven sisal kiondo basket with leather straps, extra large"
    live_auction(start_price="2500", reserve_price="4000", title=title)
    bid_from_server(auction, UserFactory(), "100")  # someone leads at the start price
    shopper_a, shopper_b = UserFactory(email="wanjiru@example.test"), UserFactory(email="otieno@example.test")

    console_a, a = open_browser(new_page, PHONE)
    console_b, b = open_browser(new_page, DESKTOP)
    console_v, viewer = open_browser(new_page, PHONE)
    log_in(a, shopper_a.email)
    log_in(b, shopper_b.email)
    for page in (a, b, viewer):
        open_auction(page, auction)
    shows_state(b, auction, timeout=LIVE_MS)

    # A outbids the first bidder: B's page and the viewer's follow live.
    clicked_at = bid_through_page(a, auction, "150")
    shows_state(b, auction, timeout=LIVE_BUDGET_MS)
    latency(request, b, auction, clicked_at, "A's bid on B's page")
    shows_state(viewer, auction, timeout=LIVE_BUDGET_MS)
    shows_state(a, auction, timeout=LIVE_BUDGET_MS)
    assert auction.current_price == 105 and auction.leader_id == shopper_a.pk
    expect(a.get_by_test_id("you-lead")).to_be_visible()

    # B bids higher: A's proxy answers up to its maximum, B leads; A's page follows.
    clicked_at = bid_through_page(b, auction, "300")
    shows_state(a, auction, timeout=LIVE_BUDGET_MS)
    latency(request, a, auction, clicked_at, "B's bid on A's page")
    shows_state(viewer, auction, timeout=LIVE_BUDGET_MS)
    assert auction.current_price == 155 and auction.leader_id == shopper_b.pk
    price = money_format(auction.current_price, auction.currency)
    expect(a.locator("#toasts .toast", has_text="You were outbid")).to_contain_text(price, timeout=LIVE_MS)
    expect(a.locator("#bell-count")).to_have_attribute("data-count", "1")
    expect(b.get_by_test_id("you-lead")).to_be_visible()

    for page in (a, b, viewer):
        same_document(page)
    for page in (a, viewer):
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(a, "auction_live_390")
    shot(b, "auction_live_1280")
    for page, name in ((b, "auction_list_1280"), (a, "auction_list_390")):
        page.goto("/auctions/")
        expect(page.get_by_test_id("auction-card")).to_have_count(2)
        expect(page.get_by_test_id("auction-card").filter(has_text="Carved mvule stool")).to_contain_text(price)
        page.wait_for_load_state("load")
        shot(page, name)
    assert a.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for console in (console_a, console_b, console_v):
        assert console.problems == [], "\n".join(console.problems)


def test_a_viewer_back_online_reads_the_bids_it_missed(new_page):
    auction = live_auction(start_price="100")
    first, second = UserFactory(), UserFactory()
    console, viewer = open_browser(new_page, PHONE)
    viewer.context.add_init_script(KEEP_SOCKET)
    viewer.context.add_init_script(COUNT_CLOSES)
    open_auction(viewer, auction)
    # Retry every 200 ms instead of htmx's growing random delays (up to a minute): the
    # test waits for the first attempt after the network is back.
    viewer.evaluate("htmx.config.wsReconnectDelay = () => 200")
    expect(viewer.get_by_text("No bids yet")).to_be_visible()

    drop_socket_while_offline(viewer)
    for bidder, amount in ((first, "120"), (second, "200"), (first, "400")):
        bid_from_server(auction, bidder, amount)
    viewer.wait_for_timeout(300)
    # The page missed the last push at least: on a busy machine one sent in the moment the
    # socket drops may still arrive.
    auction.refresh_from_db()
    assert viewer.locator(f"#auction-{auction.pk}-state").get_attribute("data-seq") != str(auction.seq)
    viewer.context.set_offline(False)

    viewer.wait_for_function("() => window.__e2e.wsOpen >= 2 && window.__liveReads >= 1")
    shows_state(viewer, auction, timeout=LIVE_MS)
    assert len(history(auction)) == 5  # 100; 120 (auto) and 125; 200 (auto) and 205
    same_document(viewer)
    assert_only_offline_noise(console.problems)


def test_a_page_that_missed_a_push_reads_its_live_parts_again(new_page, monkeypatch):
    """A push skipping a sequence number makes the page read its live parts again."""
    auction = live_auction(start_price="100")
    console_v, viewer = open_browser(new_page, DESKTOP)
    viewer.context.add_init_script(KEEP_SOCKET)
    console_s, shopper = open_browser(new_page, PHONE)
    log_in(shopper, UserFactory().email)
    open_auction(viewer, auction)
    open_auction(shopper, auction)
    shown = viewer.locator(f"#auction-{auction.pk}-state").get_attribute("data-seq")

    # A bid whose push is lost (never sent from this process, whatever the channel layer).
    monkeypatch.setattr("shop.auctions.services._push_state", lambda auction, **kwargs: None)
    bid_from_server(auction, UserFactory(), "100")
    viewer.wait_for_timeout(300)
    expect(viewer.locator(f"#auction-{auction.pk}-state")).to_have_attribute("data-seq", shown)

    bid_through_page(shopper, auction, "200")  # its push skips the lost one's number
    shows_state(viewer, auction, timeout=LIVE_MS)
    viewer.wait_for_function("() => window.__liveReads >= 1")
    same_document(viewer)
    for console in (console_v, console_s):
        assert console.problems == [], "\n".join(console.problems)


def test_when_it_is_bought_the_loser_loses_the_buttons_and_the_winner_gets_pay_now(new_page):
    """Two shoppers have the auction open. The loser bids (below the reserve, so Buy it now
    stays). The winner buys it now from another tab: without a reload, the loser's page has
    no Bid or Buy-it-now button any more and says they did not win, and the winner's open
    page offers Pay now."""
    auction = live_auction(start_price="100", reserve_price="10000", buy_now_price="15000", title="Soapstone chess set")
    winner, loser = UserFactory(email="akinyi@example.test"), UserFactory(email="kamau@example.test")
    console_w, w = open_browser(new_page, DESKTOP)
    console_l, lo = open_browser(new_page, PHONE)
    log_in(w, winner.email)
    log_in(lo, loser.email)
    for page in (w, lo):
        open_auction(page, auction)
    bid_through_page(lo, auction, "150")
    shows_state(w, auction, timeout=LIVE_MS)
    expect(lo.get_by_test_id("buy-now")).to_be_visible()

    other_tab = w.context.new_page()
    other_tab.set_viewport_size(DESKTOP)
    console_w.watch(other_tab)
    other_tab.goto(f"/auctions/{auction.pk}/")
    other_tab.get_by_test_id("buy-now").click()
    other_tab.get_by_test_id("confirm").click()
    other_tab.wait_for_url(re.compile(r"/payments/"))

    expect(lo.get_by_test_id("you-lost")).to_be_visible(timeout=LIVE_MS)
    expect(lo.get_by_test_id("bid-submit")).to_have_count(0)
    expect(lo.get_by_test_id("buy-now")).to_have_count(0)
    expect(lo.get_by_test_id("auction-outcome")).to_have_text("Sold")
    expect(w.get_by_test_id("pay-won")).to_be_visible(timeout=LIVE_MS)
    expect(w.get_by_test_id("bid-submit")).to_have_count(0)
    for page in (w, lo):
        same_document(page)
    assert lo.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(w, "auctions-won-live-1280")
    shot(lo, "auctions-lost-live-390")
    # The watch form pushed with the ending works (it was given the page's CSRF token).
    with lo.expect_response(lambda r: r.request.method == "POST" and "/watch/" in r.url) as answer:
        lo.get_by_test_id("watch").click()
    assert answer.value.ok
    for console in (console_w, console_l):
        assert console.problems == [], "\n".join(console.problems)


def test_buy_it_now_is_confirmed_at_the_amount_shown_and_ends_the_other_pages(new_page):
    """The buyer's Buy it now opens a confirm step in place (no purchase yet) naming the
    amount; confirming buys at that amount. Another shopper's open page loses its Bid and
    Buy-it-now buttons without a reload."""
    auction = live_auction(start_price="100", buy_now_price="15000", title="Maasai beaded necklace")
    buyer, other = UserFactory(email="njeri@example.test"), UserFactory(email="mutua@example.test")
    console_b, b = open_browser(new_page, DESKTOP)
    console_o, o = open_browser(new_page, PHONE)
    log_in(b, buyer.email)
    log_in(o, other.email)
    for page in (b, o):
        open_auction(page, auction)
    expect(o.get_by_test_id("buy-now")).to_be_visible()

    b.get_by_test_id("buy-now").click()
    step = b.get_by_test_id("confirm-step")
    expect(step.get_by_test_id("confirm-question")).to_contain_text("KES 15,000")
    expect(step.get_by_test_id("confirm")).to_be_focused()
    shot(b, "auctions-buy-now-confirm-1280")
    auction.refresh_from_db()
    assert auction.status == Auction.Status.LIVE and auction.order_id is None  # nothing bought yet
    same_document(b)

    step.get_by_test_id("confirm").click()
    b.wait_for_url(re.compile(r"/payments/"))
    expect(b.locator("main")).to_contain_text("15,000")

    expect(o.get_by_test_id("bid-submit")).to_have_count(0, timeout=LIVE_MS)
    expect(o.get_by_test_id("buy-now")).to_have_count(0)
    expect(o.get_by_test_id("bidding")).to_contain_text("Bidding has ended.")
    same_document(o)
    shot(o, "auctions-ended-live-390")
    auction.refresh_from_db()
    assert auction.winner_id == buyer.pk and auction.final_price == Decimal("15000")
    for console in (console_b, console_o):
        assert console.problems == [], "\n".join(console.problems)


def test_a_bid_refused_in_the_page_says_why_in_the_box(new_page):
    auction = live_auction(start_price="200")
    console, page = open_browser(new_page, PHONE)
    log_in(page, UserFactory().email)
    open_auction(page, auction)

    page.wait_for_load_state("networkidle")  # the live parts read again once the socket opened
    # Below the next bid: the browser's own check would stop it, as a forged post would not.
    # In one go, so that no swap of the live parts comes between.
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/bid/")) as answer:
        page.evaluate(
            """() => {
                const form = document.querySelector("[data-testid=bid-form]");
                form.setAttribute("novalidate", "");
                form.querySelector("[name=amount]").value = "150";
                const button = form.querySelector("[data-testid=bid-submit]");
                button.focus();  // as a click leaves it
                form.requestSubmit(button);
            }"""
        )

    assert answer.value.status == 422
    box = page.get_by_test_id("bid-box")
    expect(box.get_by_test_id("form-refused")).to_have_text("Bid at least KES 200.")
    expect(box.get_by_test_id("form-refused")).to_be_focused()
    # The box offers at least the next bid, as after any push (auction.js).
    expect(box.locator("input[name=amount]")).to_have_value("200.00")
    same_document(page)
    assert not Bid.objects.filter(auction=auction).exists()
    assert console.problems == [], "\n".join(console.problems)
