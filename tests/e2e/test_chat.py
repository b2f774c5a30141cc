"""Messages between a shopper and a store's team, in real browsers against the live server.

A shopper on a phone (390 px) asks the store about a product from its page; a member of the
store's team (1280 px) has the conversation open. What one writes appears on the other's
page live, without a reload, both ways; the shopper sees which member answered.
On another page, the member's unread badge counts up live and the store inbox moves the
conversation to the top. A picture the shopper sends reaches the store's page, first as a
placeholder and then (once the background worker made its renditions) as the picture.
The member makes an offer from the offer form: the card appears on the shopper's page,
"Accept and pay" leads to the payment page at the agreed total, and the store's page shows
the offer accepted. A page whose socket dropped while three messages were sent shows all
three once it is back, in order, each once. No page logs an error on the way.

With SOKO_SHOTS_DIR set, the pages are also saved there as PNG screenshots for review: the
inbox, a conversation with a product card and an offer card, the store inbox and the offer
form at 1280 and 390 px, and the conversation and the inbox in French.
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from PIL import Image, ImageDraw

from shop.catalog.models import ProductImage
from shop.chat.models import Conversation, Message, Offer
from shop.chat.selectors import conversation_for_user
from shop.chat.services.conversations import conversation_start, message_send
from shop.chat.services.offers import LineAsked, offer_make
from shop.core.selectors.money import money_format
from shop.media.services.images import image_process, image_store
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
from tests.e2e.test_auctions import assert_only_offline_noise, open_browser
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.chat import chat_world

pytestmark = [pytest.mark.e2e, pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LIVE_BUDGET_MS = LIVE_MS
# A picture is checked and stored before its message is pushed: it gets as long again.
PICTURE_BUDGET_MS = 2 * LIVE_MS
RENDITION_WAIT_MS = 8_000

# Marks the document (to prove later it was not reloaded) and notes, in the page itself, when
# each thing a test waits for first appeared: a message by its sequence number, the unread
# badge's count, the conversation at the top of an inbox, an offer card's state, a picture's
# kind of source.
WATCH = """() => {
    window.__marker = "same-document";
    window.__at = {};
    const mark = (key) => { if (!(key in window.__at)) { window.__at[key] = Date.now(); } };
    const note = () => {
        document.querySelectorAll("#chat-scroll [data-testid=chat-msg][data-seq]").forEach((el) => mark("seq:" + el.dataset.seq));
        const badge = document.getElementById("chat-unread");
        if (badge) { mark("badge:" + badge.dataset.count); }
        const top = document.querySelector(".chat-rows > [data-testid=chat-row]");
        if (top) { mark("top:" + top.dataset.conversation); }
        document.querySelectorAll("[data-testid=chat-offer]").forEach((el) => mark("offer:" + el.dataset.offerStatus));
        document.querySelectorAll("[data-testid=chat-picture] img").forEach((img) => {
            mark("picture:" + (img.getAttribute("src").startsWith("/media/images/renditions/") ? "rendition" : "placeholder"));
        });
    };
    note();
    new MutationObserver(note).observe(document.body, {subtree: true, childList: true, attributes: true});
}"""


def in_thread(work):
    """Run ``work`` (services that push after commit) in a thread of its own: this one runs
    Playwright's event loop, where the push could not be sent. Its pushes reach the pages
    only in scale mode (Redis): embedded mode's in-memory channel layer is the live server's
    own, so the tests write from here only before a page opens or while it is offline."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def send_from_server(conversation: Conversation, user, text: str = "", **parts) -> Message:
    return in_thread(
        lambda: message_send(conversation=Conversation.objects.get(pk=conversation.pk), user=user, text=text, **parts)
    )


def jpeg_bytes(seed: int, size=(900, 675)) -> bytes:
    """A real photograph-sized JPEG, different for each ``seed``."""
    picture = Image.new("RGB", size, ((seed * 53) % 256, 120, (seed * 97) % 256))
    draw = ImageDraw.Draw(picture)
    for step in range(0, size[0], 30):
        draw.rectangle([step, 0, step + 14, size[1]], fill=((step + seed * 31) % 256, (step * 3) % 256, 90))
    draw.ellipse([size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4], fill=(240, 200, (seed * 13) % 256))
    out = BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def ready_picture(seed: int):
    """A stored picture with its renditions written (what the worker makes of an upload)."""
    image = image_store(upload=SimpleUploadedFile(f"photo-{seed}.jpg", jpeg_bytes(seed), content_type="image/jpeg"))
    return image_process(image_id=image.pk)


def shot(page, name: str, *, full_page: bool = True) -> None:
    """Save a full-page screenshot when SOKO_SHOTS_DIR is set (for review; never by default).
    The caret is left alone: hiding it leaves an empty style attribute on the focused box,
    which htmx copies to the new box when the composer is swapped, and the CSP refuses.
    A conversation is shot as the screen shows it (``full_page=False``): its column is as
    tall as the screen, which a full-page shot would stretch."""
    folder = os.environ.get("SOKO_SHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")  # else the sticky header lands mid-page
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page, caret="initial")


def open_chat(page, conversation: Conversation) -> None:
    page.goto(f"/messages/{conversation.pk}/")
    wait_for_socket(page)
    page.evaluate(WATCH)


def open_watched(page, path: str) -> None:
    page.goto(path)
    wait_for_socket(page)
    page.evaluate(WATCH)


def type_and_send(page, conversation: Conversation, text: str, *, enter: bool = False) -> float:
    """Type ``text`` in the composer and send it with the button (or Enter); return once the
    answer is back, with the moment (time.time()) of the click or key press."""
    page.get_by_test_id("chat-input").fill(text)
    path = f"/messages/{conversation.pk}/send/"
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path)) as answer:
        clicked_at = time.time()
        if enter:
            page.get_by_test_id("chat-input").press("Enter")
        else:
            page.get_by_test_id("chat-send").click()
    assert answer.value.ok, f"sending answered {answer.value.status}"
    return clicked_at


def seen_within(request, page, key: str, since: float, who: str, *, budget_ms: float = LIVE_BUDGET_MS) -> float:
    """Wait until the page noted ``key`` (see WATCH); assert it came within ``budget_ms`` of
    ``since`` (time.time()), record the figure, return it in ms. Waits longer than the budget,
    so that a slow delivery fails with its figure rather than a timeout."""
    try:
        page.wait_for_function("(key) => key in window.__at", arg=key, timeout=max(5_000, budget_ms * 3), polling=10)
    except Exception:
        raise AssertionError(f"{who}: {key} never appeared; the page noted {page.evaluate('window.__at')}") from None
    waited_ms = (time.time() - since) * 1000
    page_ms = page.evaluate("(key) => window.__at[key]", key) - since * 1000
    LATENCIES.append((f"{request.node.name} ({who})", page_ms, waited_ms))
    assert page_ms < budget_ms, f"{who}: {page_ms:.0f} ms, over the {budget_ms} ms budget"
    return page_ms


def last_seq(conversation: Conversation) -> int:
    return Conversation.objects.get(pk=conversation.pk).seq


def same_document(page) -> None:
    assert page.evaluate("window.__marker") == "same-document", "the page was reloaded"


def texts(page) -> list[str]:
    return page.locator("#chat-scroll [data-testid=chat-msg] .chat-text").all_inner_texts()


# The elements reaching past the right edge of the screen (the innermost of each branch).
WIDER_THAN_SCREEN = """() => Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .filter((el, _, all) => !all.some((other) => other !== el && el.contains(other)))
    .slice(0, 8)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} (${Math.round(el.getBoundingClientRect().right)} px)`)"""


def too_wide(page) -> str:
    """Why the page does not fit a 390 px phone, or nothing."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return ""
    return f"{page.url} is {width} px wide on a 390 px phone: {page.evaluate(WIDER_THAN_SCREEN)}"


def fits_phone(page) -> None:
    problem = too_wide(page)
    assert not problem, problem


def clean(*consoles) -> None:
    for console in consoles:
        assert console.problems == [], "\n".join(console.problems)


def test_shopper_and_store_member_write_to_each_other_live(request, new_page):
    world = chat_world(name="Kanga House")
    staff_name = world.staff.short_name
    # Another shopper wrote earlier: the store inbox lists two conversations.
    other = conversation_start(buyer=UserFactory(display_name="Juma K."), store=world.store)
    send_from_server(other, other.buyer, "Do you deliver to Kisumu?")

    console_s, shopper = open_browser(new_page, PHONE)
    console_t, team = open_browser(new_page, DESKTOP)
    log_in(shopper, world.buyer.email)
    log_in(team, world.staff.email)

    # The shopper asks from the product's page: "Ask the store" opens their conversation.
    shopper.goto(f"/p/{world.product.slug}/")
    shopper.get_by_test_id("ask-store").click()
    shopper.wait_for_url(re.compile(rf"/messages/{world.conversation.pk}/"))
    wait_for_socket(shopper)
    shopper.evaluate(WATCH)
    expect(shopper.get_by_test_id("chat-context-product")).to_contain_text("Blue kanga")
    expect(shopper.locator(".chat-empty")).to_be_visible()
    shot(shopper, "chat_conversation_empty_390", full_page=False)
    open_chat(team, world.conversation)
    # With their sockets open, the pages say "read" over them, never by a request.
    reads_posted = []
    for page in (shopper, team):
        page.on("request", lambda r: reads_posted.append(r.url) if r.method == "POST" and r.url.endswith("/read/") else None)

    # Enter sends: the store member's page shows the question live.
    clicked_at = type_and_send(shopper, world.conversation, "Hello! Is the blue kanga still available?", enter=True)
    seq = last_seq(world.conversation)
    seen_within(request, team, f"seq:{seq}", clicked_at, "shopper's message on the member's page")
    expect(team.locator(f"[data-seq='{seq}'] .chat-text")).to_have_text("Hello! Is the blue kanga still available?")
    expect(shopper.get_by_test_id("chat-input")).to_have_value("")
    assert Message.objects.filter(conversation=world.conversation).count() == 1, "Enter sent the message twice"
    # The member's page read it: the shopper's page shows their message read.
    expect(shopper.locator(f"[data-seq='{seq}']")).to_have_class(re.compile(r"\bchat-read\b"))

    # The member starts typing: the shopper is told, in place of "Last seen".
    typing = shopper.locator(f"#chat-{world.conversation.pk}-typing")
    team.get_by_test_id("chat-input").fill("Yes")
    expect(typing).to_have_text("Kanga House is typing…")
    expect(shopper.locator(".chat-presence")).to_be_hidden()

    # And back: the shopper sees the answer, and which member of the team wrote it.
    clicked_at = type_and_send(team, world.conversation, "Yes, we have 10. Red too.")
    seq = last_seq(world.conversation)
    seen_within(request, shopper, f"seq:{seq}", clicked_at, "member's answer on the shopper's page")
    answer = shopper.locator(f"[data-seq='{seq}']")
    expect(answer.locator(".chat-text")).to_have_text("Yes, we have 10. Red too.")
    expect(answer.locator(".chat-author")).to_have_text(f"{staff_name} · Kanga House")
    expect(answer).to_have_class(re.compile(r"\bchat-theirs\b"))
    expect(team.locator(f"[data-seq='{seq}']")).to_have_class(re.compile(r"\bchat-mine\b"))
    expect(team.locator(f"[data-seq='{seq}'] .chat-author")).to_be_hidden()  # not their own name
    expect(typing).to_be_empty()
    for page in (shopper, team):
        assert texts(page) == ["Hello! Is the blue kanga still available?", "Yes, we have 10. Red too."]
        same_document(page)
    expect(team.locator(f"[data-seq='{seq}']")).to_have_class(re.compile(r"\bchat-read\b"))
    assert reads_posted == [], reads_posted
    fits_phone(shopper)
    shot(shopper, "chat_conversation_live_390", full_page=False)
    shot(team, "chat_conversation_live_1280", full_page=False)

    # Meanwhile the other shopper wrote again: the member opens the store inbox, their row on top.
    send_from_server(other, other.buyer, "Hello? Kisumu?")
    open_watched(team, "/dashboard/messages/")
    rows = team.get_by_test_id("store-chat-inbox").get_by_test_id("chat-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-conversation", str(other.pk))
    expect(team.get_by_test_id("chat-unread")).to_have_attribute("data-count", "2")

    # The shopper writes: the member's badge counts up and the conversation goes to the top.
    clicked_at = type_and_send(shopper, world.conversation, "Great, I'll take two.")
    seen_within(request, team, "badge:3", clicked_at, "member's unread badge on the store inbox")
    seen_within(request, team, f"top:{world.conversation.pk}", clicked_at, "conversation to the top of the store inbox")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Great, I'll take two.")
    expect(rows.first.get_by_test_id("chat-row-unread")).to_have_text(re.compile(r"^1\b"))
    expect(rows.nth(1)).to_have_attribute("data-conversation", str(other.pk))
    same_document(team)
    shot(team, "chat_store_inbox_live_1280")

    # On the dashboard's home page too, the badge follows.
    open_watched(team, "/dashboard/")
    clicked_at = type_and_send(shopper, world.conversation, "And one in red.")
    seen_within(request, team, "badge:4", clicked_at, "member's unread badge on the dashboard")
    same_document(team)
    clean(console_s, console_t)


def test_a_picture_from_the_shopper_reaches_the_store_with_its_renditions(request, new_page, tmp_path):
    world = chat_world(name="Kanga House")
    console_s, shopper = open_browser(new_page, PHONE)
    console_t, team = open_browser(new_page, DESKTOP)
    log_in(shopper, world.buyer.email)
    log_in(team, world.staff.email)
    open_chat(shopper, world.conversation)
    open_chat(team, world.conversation)

    photo = tmp_path / "kanga-stain.jpg"
    photo.write_bytes(jpeg_bytes(int(time.time() * 1000) % 100_000))
    shopper.get_by_test_id("chat-image-input").set_input_files(str(photo))
    expect(shopper.locator(".chat-file-name")).to_have_text("kanga-stain.jpg")
    shopper.get_by_test_id("chat-input").fill("This one, with the stain")
    path = f"/messages/{world.conversation.pk}/send/"
    with shopper.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path)) as answer:
        clicked_at = time.time()
        shopper.get_by_test_id("chat-send").click()
    assert answer.value.ok, f"sending the picture answered {answer.value.status}"
    message = Message.objects.get(conversation=world.conversation)
    assert message.kind == Message.Kind.IMAGE and message.image is not None

    # The message is there at once; its picture once the worker has made the renditions.
    seen_within(
        request,
        team,
        f"seq:{message.seq}",
        clicked_at,
        "picture message on the member's page",
        budget_ms=PICTURE_BUDGET_MS,
    )
    seen_within(
        request,
        team,
        "picture:rendition",
        clicked_at,
        "picture's renditions on the member's page",
        budget_ms=RENDITION_WAIT_MS,
    )
    picture = team.locator(f"[data-seq='{message.seq}'] [data-testid=chat-picture] img")
    expect(picture).to_have_attribute("src", re.compile(r"^/media/images/renditions/.+\.jpg$"))
    expect(picture).to_have_attribute("srcset", re.compile(r"/media/images/renditions/.+ \d+w"))
    team.wait_for_function(
        "(seq) => { const img = document.querySelector(`[data-seq='${seq}'] [data-testid=chat-picture] img`);"
        " return img && img.complete && img.naturalWidth > 0 && img.currentSrc.includes('/media/'); }",
        arg=message.seq,
    )
    expect(team.locator(f"[data-seq='{message.seq}'] .chat-text")).to_have_text("This one, with the stain")
    expect(team.locator(f"#chat-scroll [data-seq='{message.seq}']")).to_have_count(1)
    expect(shopper.locator(f"[data-seq='{message.seq}'] [data-testid=chat-picture] img")).to_have_attribute(
        "src", re.compile(r"^/media/images/renditions/"), timeout=RENDITION_WAIT_MS
    )
    expect(shopper.locator(".chat-file-name")).to_be_hidden()
    for page in (shopper, team):
        same_document(page)
    fits_phone(shopper)
    shot(shopper, "chat_picture_390", full_page=False)
    shot(team, "chat_picture_1280", full_page=False)
    clean(console_s, console_t)


def test_an_offer_made_by_the_store_is_accepted_and_paid_for_by_the_shopper(request, new_page):
    world = chat_world(name="Kanga House", stock=10, price="250.00")
    variant = world.product.variants.get()
    console_s, shopper = open_browser(new_page, PHONE)
    console_t, team = open_browser(new_page, DESKTOP)
    log_in(shopper, world.buyer.email)
    log_in(team, world.staff.email)
    send_from_server(world.conversation, world.buyer, "Would you do two for 400?")
    open_chat(shopper, world.conversation)
    open_chat(team, world.conversation)

    # The member shares the product (a card with "Add to cart" on the shopper's side).
    team.get_by_test_id("chat-share-select").select_option(str(world.product.pk))
    clicked_at = time.time()
    team.get_by_test_id("chat-share").click()
    seq = 2
    seen_within(request, shopper, f"seq:{seq}", clicked_at, "product card on the shopper's page")
    expect(shopper.locator(f"[data-seq='{seq}'] [data-testid=chat-product-card]")).to_contain_text("Blue kanga")
    expect(shopper.locator(f"[data-seq='{seq}'] [data-testid=chat-add-to-cart]")).to_be_visible()

    # The offer form: two at 200 instead of 250, picked up at the store.
    team.get_by_test_id("chat-make-offer").click()
    team.wait_for_url(re.compile(rf"/messages/{world.conversation.pk}/offers/new/$"))
    form = team.get_by_test_id("offer-form")
    form.locator("[name=variant_0]").select_option(str(variant.pk))
    form.locator("[name=quantity_0]").fill("2")
    form.locator("[name=price_0]").fill("200")
    form.locator("[name=delivery_mode]").select_option("pickup")
    form.locator("[name=note]").fill("Two for 400, as agreed.")
    clicked_at = time.time()
    form.get_by_test_id("offer-send").click()
    team.wait_for_url(re.compile(rf"/messages/{world.conversation.pk}/(#chat-end)?$"))
    wait_for_socket(team)
    team.evaluate(WATCH)

    offer = Offer.objects.get(conversation=world.conversation)
    assert (offer.items_total, offer.list_total, offer.delivery_mode) == (
        Decimal("400.00"),
        Decimal("500.00"),
        "pickup",
    )
    seen_within(request, shopper, "offer:open", clicked_at, "offer card on the shopper's page")
    card = shopper.get_by_test_id("chat-offer")
    total = money_format(Decimal("400"), world.store.currency)
    expect(card.get_by_test_id("chat-offer-total")).to_have_text(total)
    expect(card).to_contain_text("2 × Blue kanga")
    expect(card).to_contain_text("Two for 400, as agreed.")
    expect(team.get_by_test_id("chat-offer")).to_have_attribute("data-offer-status", "open")
    fits_phone(shopper)
    same_document(shopper)
    shot(shopper, "chat_offer_open_390", full_page=False)

    # "Accept and pay": the payment page, at the agreed total; the store's card says accepted.
    clicked_at = time.time()
    card.get_by_test_id("chat-offer-accept").click()
    shopper.wait_for_url(re.compile(r"/pay/|/payments?/"))
    expect(shopper.get_by_test_id("payment-page")).to_contain_text(total)
    seen_within(request, team, "offer:accepted", clicked_at, "offer accepted on the store's page")
    expect(team.get_by_test_id("chat-offer")).to_have_attribute("data-offer-status", "accepted")
    expect(team.get_by_test_id("chat-offer-state")).to_have_text("Accepted")
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED and offer.order.total == Decimal("400")
    expect(team.locator("[data-testid=chat-msg].chat-system")).to_contain_text(offer.order.number)
    same_document(team)
    shot(shopper, "chat_offer_payment_390")
    shot(team, "chat_offer_accepted_1280", full_page=False)
    clean(console_s, console_t)


def test_a_message_sent_after_a_refused_one_empties_the_box_and_takes_the_reason_away(request, new_page):
    world = chat_world(name="Kanga House")
    console, shopper = open_browser(new_page, PHONE)
    log_in(shopper, world.buyer.email)
    open_chat(shopper, world.conversation)
    box = shopper.get_by_test_id("chat-input")

    # Nothing written: the composer comes back with the reason.
    path = f"/messages/{world.conversation.pk}/send/"
    with shopper.expect_response(lambda r: r.request.method == "POST" and r.url.endswith(path)) as answer:
        shopper.get_by_test_id("chat-send").click()
    assert answer.value.status == 422
    expect(shopper.get_by_test_id("chat-send-error")).to_have_text("Write a message first.")

    # Then a message: answered with nothing, it arrives by the socket and the box is empty again.
    clicked_at = type_and_send(shopper, world.conversation, "Is the blue one still there?")
    seen_within(request, shopper, f"seq:{last_seq(world.conversation)}", clicked_at, "shopper's own message on their page")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    expect(shopper.get_by_test_id("chat-send-error")).to_have_count(0)
    assert texts(shopper) == ["Is the blue one still there?"]
    refusal = "Failed to load resource: the server responded with a status of 422"
    assert [problem for problem in console.problems if refusal not in problem] == []


def test_a_page_back_online_shows_the_messages_it_missed_in_order_once_each(new_page):
    world = chat_world(name="Kanga House")
    send_from_server(world.conversation, world.buyer, "Is it cotton?")
    console, shopper = open_browser(new_page, PHONE)
    shopper.context.add_init_script(KEEP_SOCKET)
    shopper.context.add_init_script(COUNT_CLOSES)
    log_in(shopper, world.buyer.email)
    # Only the shopper's own message so far: the page has nothing to mark read before the network goes.
    open_chat(shopper, world.conversation)
    # Retry every 200 ms instead of htmx's growing random delays (up to a minute).
    shopper.evaluate("htmx.config.wsReconnectDelay = () => 200")
    opens = shopper.evaluate("window.__e2e.wsOpen")

    drop_socket_while_offline(shopper)
    answers = ["Yes, pure cotton.", "It washes well.", "We also have it in green."]
    for text in answers:
        send_from_server(world.conversation, world.staff, text)
    shopper.wait_for_timeout(300)
    # The page missed the pushes from the last one back at least: on a busy machine one sent
    # in the moment the socket drops may still arrive. What it shows is still in order.
    shown = texts(shopper)
    assert len(shown) < 4 and shown == ["Is it cotton?", *answers][: len(shown)], shown
    shopper.context.set_offline(False)

    shopper.wait_for_function("(opens) => window.__e2e.wsOpen > opens", arg=opens)
    expect(shopper.locator("#chat-scroll [data-testid=chat-msg]")).to_have_count(4)
    shopper.wait_for_timeout(500)  # nothing arrives twice later either
    assert texts(shopper) == ["Is it cotton?", *answers]
    seqs = shopper.locator("#chat-scroll [data-testid=chat-msg]").evaluate_all("els => els.map(el => +el.dataset.seq)")
    assert seqs == [1, 2, 3, 4]
    same_document(shopper)
    assert_only_offline_noise(console.problems)


# --- Screenshots for review ------------------------------------------------------------


def _world_for_review():
    """A store with a team, pictures on its products, a shopper with three conversations: one
    with an exchange, a product card and an open offer; two other stores."""
    world = chat_world(name="Kanga House", stock=12, price="1250.00")
    ProductImage.objects.create(product=world.product, image=ready_picture(1), alt="Blue kanga", position=0)
    long_title = "Hand-woven sisal kiondo basket with leather straps, extra large"
    basket = ProductFactory(
        store=world.store, title=long_title, variants=[{"stock": 4, "price": "3400.00", "name": "Natural"}]
    )
    ProductImage.objects.create(product=basket, image=ready_picture(2), alt=long_title, position=0)
    c, buyer, staff = world.conversation, world.buyer, world.staff
    send_from_server(c, buyer, "Hello! Is the blue kanga still available? I would need two, for a wedding on Saturday.")
    send_from_server(c, staff, "Yes, we have 12. We also have this basket that goes well with it:")
    send_from_server(c, staff, product=basket)
    send_from_server(c, buyer, "Lovely. Would you do both kangas and the basket for 5,000?")
    viewer = conversation_for_user(user=staff, pk=c.pk, for_writing=True)
    in_thread(
        lambda: offer_make(
            viewer=viewer,
            user=staff,
            lines=[
                LineAsked(variant_id=world.product.variants.get().pk, quantity=2, unit_price=Decimal("1000")),
                LineAsked(variant_id=basket.variants.get().pk, quantity=1, unit_price=Decimal("3000")),
            ],
            delivery_mode="pickup",
            delivery_fee=Decimal("0"),
            note="Both kangas and the basket for 5,000. Pick them up before Saturday.",
        )
    )
    for name, question in (
        ("Mama Pili Spices", "Do you have fresh cardamom?"),
        ("Lamu Leather Works", "Can you make the sandals in size 44?"),
    ):
        store = StoreFactory(name=name)
        chat = conversation_start(buyer=buyer, store=store)
        send_from_server(chat, buyer, question)
        send_from_server(chat, store.memberships.get().user, "Yes — come by any time after 10.")
    other = conversation_start(buyer=UserFactory(display_name="Wanjiru Kamau"), store=world.store, product=basket)
    send_from_server(other, other.buyer, "Is the basket waterproof?")
    return world


def test_chat_pages_fit_a_phone_and_look_right_for_review(new_page):
    world = _world_for_review()
    c = world.conversation
    console_s, shopper = open_browser(new_page, DESKTOP)
    console_t, team = open_browser(new_page, DESKTOP)
    log_in(shopper, world.buyer.email)
    log_in(team, world.staff.email)

    pages = [
        (shopper, "/messages/", "chat_inbox", "[data-testid=chat-row]"),
        (shopper, f"/messages/{c.pk}/", "chat_conversation_shopper", "[data-testid=chat-offer]"),
        (team, f"/messages/{c.pk}/", "chat_conversation_store", "[data-testid=chat-offer]"),
        (team, "/dashboard/messages/", "chat_store_inbox", "[data-testid=chat-row]"),
        (team, f"/messages/{c.pk}/offers/new/", "chat_offer_form", "[data-testid=offer-form]"),
    ]
    overflowing = []  # every page is shot before the test says which ones overflow
    for width, viewport in ((1280, DESKTOP), (390, PHONE)):
        for page, path, name, ready in pages:
            page.set_viewport_size(viewport)
            page.goto(path)
            wait_for_socket(page)
            expect(page.locator(ready).first).to_be_visible()
            page.wait_for_load_state("load")
            if width == 390:
                overflowing.append(too_wide(page))
            shot(page, f"{name}_{width}", full_page="conversation" not in name)
            if name == "chat_conversation_shopper":  # the product card, further up
                page.locator("[data-testid=chat-msg]:has([data-testid=chat-product-card])").evaluate(
                    "el => el.scrollIntoView({block: 'center'})"
                )
                shot(page, f"{name}_product_card_{width}", full_page=False)
    expect(shopper.locator("[data-testid=chat-msg] [data-testid=chat-product-card]")).to_have_count(1)

    # In French (the account's language): translations of new strings may still be missing.
    get_user_model().objects.filter(pk=world.buyer.pk).update(language="fr")
    for width, viewport in ((1280, DESKTOP), (390, PHONE)):
        shopper.set_viewport_size(viewport)
        for path, name in (("/messages/", "chat_inbox_fr"), (f"/messages/{c.pk}/", "chat_conversation_fr")):
            shopper.goto(path)
            wait_for_socket(shopper)
            assert shopper.locator("html").get_attribute("lang") == "fr"
            shopper.wait_for_load_state("load")
            if width == 390:
                overflowing.append(too_wide(shopper))
            shot(shopper, f"{name}_{width}", full_page="conversation" not in name)
    assert not any(overflowing), "\n".join(filter(None, overflowing))
    clean(console_s, console_t)
