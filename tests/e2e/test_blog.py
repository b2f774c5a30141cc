"""A store blog in a real browser: the seller writes a post on a phone, picks a product and
publishes it; a shopper finds it on /blog/, reads it and follows the product card to the
product. With SOKO_SHOTS_DIR set, the pages are saved there as screenshots."""

from decimal import Decimal

import pytest
from django.urls import reverse

from shop.blog.models import Post
from tests.e2e.pages import console_errors, expect, log_in, offline_images, shot
from tests.factories import StoreFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def fits(page, width) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_seller_publishes_a_post_and_a_shopper_follows_it_to_the_product(new_page):
    store = StoreFactory(name="Mama Njeri Crafts")
    basket = ProductFactory(store=store, title="Sisal basket", variants__price=Decimal("1800"))
    ProductFactory(store=store, title="Kikoi wrap")

    seller = new_page()
    seller_errors = console_errors(seller)
    seller.context.route("**/*", offline_images)
    seller.set_viewport_size(PHONE)
    log_in(seller, store.memberships.get().user.email)
    seller.goto("/dashboard/promotions/")
    seller.get_by_test_id("promotions-subnav").get_by_role("link", name="Blog").click()
    expect(seller.get_by_test_id("no-posts")).to_be_visible()
    seller.get_by_test_id("new-post").click()
    form = seller.get_by_test_id("post-form")
    form.get_by_label("Title").fill("How a kiondo is woven")
    form.get_by_label("Text").fill("<p>Sisal, sun and <strong>three days</strong>.</p><script>alert(1)</script>")
    form.get_by_label("Sisal basket").check()
    fits(seller, PHONE["width"])
    shot(seller, "blog-form-390")
    form.get_by_test_id("publish-post").click()
    expect(seller.get_by_test_id("post-row")).to_contain_text("Published")
    fits(seller, PHONE["width"])
    shot(seller, "dashboard-blog-390")
    post = Post.objects.get()
    assert post.status == Post.Status.PUBLISHED and "script" not in post.body

    shopper = new_page()
    shopper_errors = console_errors(shopper)
    shopper.context.route("**/*", offline_images)
    shopper.set_viewport_size(DESKTOP)
    shopper.goto("/blog/")
    shot(shopper, "blog-list-1280")
    shopper.get_by_role("link", name="How a kiondo is woven").click()
    expect(shopper.get_by_test_id("post-body")).to_contain_text("three days")
    expect(shopper.get_by_test_id("post-products")).to_contain_text("Sisal basket")
    shot(shopper, "blog-post-1280")
    shopper.set_viewport_size(PHONE)
    fits(shopper, PHONE["width"])
    shot(shopper, "blog-post-390")
    shopper.get_by_test_id("post-products").get_by_role("link", name="Sisal basket").first.click()
    shopper.wait_for_url(f"**/p/{basket.slug}/")
    shopper.goto("/blog/")
    fits(shopper, PHONE["width"])
    shot(shopper, "blog-list-390")
    assert seller_errors == [] and shopper_errors == [], (seller_errors, shopper_errors)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "390"])
def test_the_toolbar_formats_a_post_and_its_paragraphs_reach_the_page(new_page, viewport):
    store = StoreFactory(name="Mama Njeri Crafts")
    seller = new_page()
    errors = console_errors(seller)
    seller.context.route("**/*", offline_images)
    seller.set_viewport_size(viewport)
    log_in(seller, store.memberships.get().user.email)
    seller.goto(reverse("sellers:blog_new"))
    form = seller.get_by_test_id("post-form")
    toolbar = form.get_by_test_id("post-toolbar")
    text = form.get_by_label("Text")
    form.get_by_label("Title").fill("Dyed by hand")

    text.fill("Woven by hand.\n\nDyed with ")
    text.press("Control+End")
    toolbar.get_by_role("button", name="Bold").click()
    text.type("sisal")
    text.press("Control+End")
    text.type("\n\nRed\nBlue")
    text.evaluate("area => area.setSelectionRange(area.value.lastIndexOf('Red'), area.value.length)")
    toolbar.get_by_role("button", name="Bulleted list").click()
    seller.once("dialog", lambda dialog: dialog.accept("https://example.com/dyes"))
    text.press("Control+End")
    text.type("\n\nAsk about ")
    toolbar.get_by_role("button", name="Link").click()
    text.type("our dyes")
    fits(seller, viewport["width"])
    shot(seller, f"blog-toolbar-{viewport['width']}")
    form.get_by_test_id("publish-post").click()
    expect(seller.get_by_test_id("post-row")).to_contain_text("Published")

    body = Post.objects.get().body
    assert body.count("<p>") == 3, body
    assert "<p>Woven by hand.</p>" in body and "<p>Dyed with <strong>sisal</strong></p>" in body, body
    assert "<li>Red</li>" in body and "<li>Blue</li>" in body, body
    assert '<a href="https://example.com/dyes" rel="nofollow noopener ugc">our dyes</a>' in body, body
    seller.goto(reverse("blog:detail", args=[Post.objects.get().slug]))
    expect(seller.get_by_test_id("post-body").locator("p")).to_have_count(3, timeout=1000)
    shot(seller, f"blog-formatted-post-{viewport['width']}")
    assert errors == [], errors
