"""A return's photos on the buyer's and the store's return pages, in a real browser at 1280
and 390 px: each is a thumbnail big enough to judge the damage by (at least 96 px square),
inside the page, and a link to the full picture. With SOKO_SHOTS_DIR set, the pages are
saved there as screenshots."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from returns.models import ReturnLine, ReturnPhoto, ReturnReason, ReturnRequest
from shop.orders.models import OrderStatus
from tests.e2e.pages import console_errors, expect, log_in, shot
from tests.factories import StoreFactory
from tests.factories.catalog import ReadyImageFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"1280": {"width": 1280, "height": 900}, "390": {"width": 390, "height": 844}}


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (180, 90, 40)).save(out, "JPEG")
    return out.getvalue()


PHOTO = _jpeg()


def stored_pictures(route):
    """The stored renditions the factory names but never writes: one real photo for all."""
    route.fulfill(status=200, content_type="image/jpeg", body=PHOTO)


@pytest.mark.parametrize("width", VIEWPORTS)
def test_return_photos_are_usable_thumbnails_on_both_return_pages(new_page, width):
    order = OrderFactory(status=OrderStatus.DELIVERED)
    request = ReturnRequest.objects.create(
        order=order, buyer=order.buyer, store=order.store, reason=ReturnReason.DAMAGED, text="The rim is cracked."
    )
    ReturnLine.objects.create(request=request, item=order.items.get(), quantity=1)
    for position in range(3):
        ReturnPhoto.objects.create(request=request, image=ReadyImageFactory(), position=position)

    pages = {
        "buyer": (order.buyer.email, reverse("returns:detail", args=[request.pk])),
        "store": (member_of(order).email, reverse("sellers:return_detail", args=[request.pk])),
    }
    for side, (email, url) in pages.items():
        page = new_page()
        errors = console_errors(page)
        page.context.route("**/media/**", stored_pictures)
        page.set_viewport_size(VIEWPORTS[width])
        log_in(page, email)
        page.goto(url)
        photos = page.get_by_test_id("return-photos").get_by_role("link")
        assert photos.count() == 3
        for index in range(3):
            photos.nth(index).scroll_into_view_if_needed()
            box = photos.nth(index).bounding_box()
            assert box["width"] >= 96 and box["height"] >= 96, (side, box)
            assert box["x"] >= 0 and box["x"] + box["width"] <= VIEWPORTS[width]["width"], (side, box)
            assert photos.nth(index).get_attribute("href").startswith("/media/")
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[width]["width"]
        shot(page, f"return-photos-{side}-{width}")
        assert errors == [], errors


def test_pictures_chosen_for_a_product_show_before_they_are_uploaded(new_page, tmp_path):
    """The product form shows the pictures chosen as thumbnails (from blob: addresses,
    which the Content-Security-Policy allows), with no console error."""
    store = StoreFactory()
    picture = tmp_path / "basket.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(picture, "PNG")
    page = new_page()
    errors = console_errors(page)
    log_in(page, store.memberships.get(role="owner").user.email)
    page.goto("/dashboard/products/new/")
    page.locator("input[type=file][multiple]").set_input_files(str(picture))
    thumbnail = page.locator("[data-chosen] img")
    expect(thumbnail).to_have_count(1)
    page.wait_for_function("() => document.querySelector('[data-chosen] img').naturalWidth === 64")
    assert errors == [], errors
