"""Reviews in real browsers against the live server.

A buyer (a 390 px phone) opens the review page of a delivered order, gives a product four
stars with a few words and a photo: the review, with its photo, shows on the product page.
A member of the store (1280 px) responds from /dashboard/reviews/: the response shows on
the product page under the review. With the member's dashboard open, the buyer gives the
line of another delivered order one star: the member's bell counts up live, without a
reload. Neither browser logs an error on the way.

With SOKO_SHOTS_DIR set, the product page's reviews (with the response) and the review
form are also saved there as PNG screenshots at 1280 and 390 px, for review.
"""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from shop.orders.models import Order, OrderStatus
from shop.reviews.models import Review
from tests.e2e.pages import LIVE_MS, assert_same_document, bell_count, expect, log_in, shot, wait_for_socket, watch_page
from tests.e2e.test_auctions import open_browser
from tests.factories import StoreFactory, UserFactory
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
LIVE_BUDGET_MS = LIVE_MS


def png_bytes() -> bytes:
    """A small photo of a basket: a woven pattern on a warm background."""
    picture = Image.new("RGB", (320, 240), (214, 170, 110))
    draw = ImageDraw.Draw(picture)
    for step in range(0, 320, 16):
        draw.line([(step, 40), (step + 40, 200)], fill=(150, 95, 40), width=5)
    draw.ellipse([60, 30, 260, 210], outline=(120, 60, 20), width=8)
    out = BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()




def delivered(buyer, product) -> Order:
    order = OrderFactory(buyer=buyer, store=product.store, delivery_mode="pickup", items=[(product.variants.get(), 1)])
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.DELIVERED, delivered_at=timezone.now())
    return order


def give_stars(page, order: Order, stars: int, text: str, photo: bytes | None = None, *, shot_name: str = "") -> None:
    """Fill the line's form on the order's review page and post it."""
    item = order.items.get()
    page.goto(reverse("reviews:order", args=[order.number]))
    form = page.locator(f"#line-{item.pk} [data-testid=review-form]")
    form.locator(f"label[for='{item.pk}-stars-{stars}']").click()
    form.locator("textarea[name=text]").fill(text)
    if photo:
        form.locator("input[name=photos]").set_input_files(
            files=[{"name": "basket.png", "mimeType": "image/png", "buffer": photo}]
        )
    if shot_name:
        shot(page, shot_name)
    with page.expect_navigation():
        form.get_by_role("button", name="Post review").click()
    expect(page.locator(".alert, .toast", has_text="Your review is saved")).to_be_visible()


def test_a_review_with_a_photo_a_response_and_a_live_alert_for_a_bad_one(new_page):
    amina = UserFactory(display_name="Amina Odhiambo")
    store = StoreFactory(name="Mama Njeri Crafts", owner=amina)
    basket = ProductFactory(store=store, title="Kiondo sisal basket", variants=[{"stock": 10}])
    mats = ProductFactory(store=store, title="Banana-fibre table mats", variants=[{"stock": 10}])
    buyer = UserFactory(display_name="Wanjiru Kamau")
    first, second = delivered(buyer, basket), delivered(buyer, mats)
    basket_url = reverse("catalog:product", args=[basket.slug])

    buyer_console, phone = open_browser(new_page, PHONE)
    log_in(phone, buyer.email)
    phone.goto(reverse("reviews:order", args=[first.number]))
    shot(phone, "review-form-390")
    phone.set_viewport_size(DESKTOP)
    shot(phone, "review-form-1280")
    phone.set_viewport_size(PHONE)

    give_stars(
        phone,
        first,
        4,
        "Tight weave and a strong strap. A little smaller than I hoped.",
        photo=png_bytes(),
        shot_name="review-form-filled-390",
    )

    review = Review.objects.get(order=first, kind=Review.Kind.PRODUCT)
    assert (review.stars, review.has_photos) == (4, True)
    phone.goto(basket_url)
    card = phone.locator(f"#review-{review.pk}")
    expect(card).to_contain_text("Tight weave and a strong strap.")
    expect(card).to_contain_text("Wanjiru K.")
    expect(card.locator(".review-photos img")).to_have_count(1)
    thumbnail = card.locator(".review-photos a").first.bounding_box()
    assert thumbnail["width"] >= 64 and thumbnail["height"] >= 64, thumbnail  # a usable thumbnail, a link to the photo
    shot(phone, "review-photos-390", selector=f"#review-{review.pk}")
    expect(phone.get_by_test_id("rating-average")).to_have_text("4.0")

    seller_console, desk = open_browser(new_page, DESKTOP)
    log_in(desk, amina.email)
    desk.goto(reverse("sellers:reviews"))
    respond = desk.locator(f"#review-{review.pk} [data-testid=respond-form]")
    respond.locator("textarea[name=response]").fill("Asante, Wanjiru! Bring it by and we will adjust the strap.")
    with desk.expect_navigation():
        respond.get_by_role("button", name="Publish the response").click()
    expect(desk.locator(f"#review-{review.pk} [data-testid=review-response]")).to_contain_text("Asante, Wanjiru!")

    phone.goto(basket_url)
    response = phone.locator(f"#review-{review.pk} [data-testid=review-response]")
    expect(response).to_contain_text("Response from Mama Njeri Crafts")
    expect(response).to_contain_text("we will adjust the strap")

    # The member keeps the dashboard open while the buyer gives another line one star.
    desk.goto(reverse("sellers:reviews"))
    wait_for_socket(desk)
    before = bell_count(desk)
    navigations = watch_page(desk)

    give_stars(phone, second, 1, "Two mats were fraying when I opened the parcel.")

    desk.wait_for_function("() => window.__bellChangedAt !== null", timeout=LIVE_BUDGET_MS, polling=50)
    expect(desk.locator("#bell-count")).to_have_attribute("data-count", str(before + 1))
    assert_same_document(desk, navigations)

    for width, page in ((1280, desk), (390, phone)):
        page.goto(basket_url)
        expect(page.locator(f"#review-{review.pk} [data-testid=review-response]")).to_be_visible()
        shot(page, f"product-reviews-{width}", selector="#product-reviews")
    desk.goto(reverse("sellers:reviews"))
    shot(desk, "dashboard-reviews-1280")
    assert buyer_console.problems == [], "\n".join(buyer_console.problems)
    assert seller_console.problems == [], "\n".join(seller_console.problems)
