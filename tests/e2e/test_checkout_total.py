"""The amount charged is the amount shown, in a real browser.

A buyer with loyalty points and a won auction checks out from two stores: the store's code
applied, "Use points" ticked, delivery switched to pick-up and the address changed, the code
stays in its field and the card page charges exactly the review's "To pay", which the
ledger books. Back from another page, the review agrees with the form the browser put back,
and placing charges what it shows. A review that no longer holds (the buyer's points
changed in another tab) is refused with the new total, and placing that page goes through.

With SOKO_SHOTS_DIR set, the checkout with a code and points, and the refusal, are saved
at 1280 and 390 px wide.
"""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.db.models import Sum
from django.utils import timezone

from shop.core.selectors.currencies import money_to_minor
from shop.orders.models import Checkout, OrderStatus
from shop.payments.models import LedgerEntry, PaymentAttempt, PaymentStatus
from shop.promotions.models import LoyaltyEntry, PromoCode, PromoRedemption
from tests.e2e.pages import LIVE_MS, console_errors, expect, log_in, offline_images, shot
from tests.factories import StoreFactory, UserFactory
from tests.factories.addresses import AddressFactory, westlands
from tests.factories.catalog import ProductFactory
from tests.factories.orders import CheckoutFactory, OrderFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def world(db):
    area = westlands()
    njeri = StoreFactory(name="Mama Njeri Crafts", slug="mama-njeri-crafts", delivers_local=True, area=area)
    weavers = StoreFactory(name="Kisii Weavers", delivers_local=True, area=area)
    auctions = StoreFactory(name="Auction House", delivers_local=True, area=area)
    ProductFactory(title="Sisal basket", slug="sisal-basket", store=njeri, variants=[{"name": "Large", "price": Decimal("1990"), "stock": 9}])
    ProductFactory(title="Kikoi wrap", slug="kikoi-wrap", store=weavers, variants=[{"name": "Blue", "price": Decimal("450.50"), "stock": 9}])
    PromoCode.objects.create(
        code="NJERI15", store=njeri, kind="percent", amount=Decimal("15"), currency="KES", min_order=Decimal("1500"),
        starts_at=timezone.now() - timedelta(days=1), max_uses=100,
    )
    buyer = UserFactory(email="buyer@example.test")
    AddressFactory(user=buyer, label="Home", area=area)
    AddressFactory(user=buyer, label="Office", area=area, street="Waiyaki Way, ABC Place")
    LoyaltyEntry.objects.create(
        user=buyer, currency="KES", kind=LoyaltyEntry.Kind.EARNED, points=635, remaining=635,
        expires_at=timezone.now() + timedelta(days=300),
    )
    won_variant = ProductFactory(title="Carved giraffe", store=auctions, variants=[{"price": Decimal("15400"), "stock": 1}]).variants.get()
    own = CheckoutFactory(buyer=buyer, payment_method="", payment_status=PaymentStatus.AWAITING, payment_due_by=timezone.now() + timedelta(days=2))
    won = OrderFactory(buyer=buyer, store=auctions, checkout=own, items=[(won_variant, 1)], pay_by=timezone.now() + timedelta(days=2), status=OrderStatus.PENDING)
    return {"buyer": buyer, "njeri": njeri, "weavers": weavers, "won": won}


def opened(new_page):
    """A page whose first loads may be slow (the checkout and the card page do real work)."""
    page = new_page()
    page.set_default_timeout(30_000)
    page.context.route("**/*", offline_images)  # the address map's tiles: this machine is offline
    return page


def fill_cart(page):
    for slug in ("sisal-basket", "kikoi-wrap"):
        page.goto(f"/p/{slug}/")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#toasts")).to_contain_text("Added")


def review_total(page) -> Decimal:
    text = page.locator("[data-testid=review-total]").inner_text()
    return Decimal(text.replace("KES", "").replace(",", "").strip())


def settled(page):
    """No htmx request in flight: the review shows the form's latest choice."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def applied(page):
    """"Apply" posts the whole form and loads a new page: the next tick is read once htmx
    has started."""
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


def test_code_points_and_switches_keep_the_code_and_the_card_charges_what_the_review_showed(new_page, world):
    page = opened(new_page)
    page.set_viewport_size(DESKTOP)
    errors = console_errors(page)
    log_in(page, world["buyer"].email)
    fill_cart(page)
    page.goto("/checkout/")
    code = page.locator("#id_promo_code")

    code.fill("NJERI15")
    page.locator("[data-testid=promo-code] button").click()
    expect(page.locator("[data-testid=review-discount]")).to_contain_text("Code NJERI15")
    applied(page)
    page.locator("#use-points").check()
    expect(page.locator("[data-testid=review-points]")).to_be_visible()
    expect(code).to_have_value("NJERI15")
    page.locator(f"[data-testid=store-delivery]:has-text('{world['njeri'].name}')").get_by_label(re.compile("Pick-up")).check()
    expect(page.locator("[data-testid=review-store]").first).to_contain_text("Pick-up")
    expect(code).to_have_value("NJERI15")
    page.get_by_label(re.compile("Office")).check()
    settled(page)
    expect(code).to_have_value("NJERI15")
    expect(page.locator("#use-points")).to_be_checked()
    expect(page.locator("[data-testid=review-discount]")).to_contain_text("Code NJERI15")
    page.locator("#won-" + world["won"].number).uncheck()
    expect(page.locator("[data-testid=review-won]")).to_have_count(0)
    settled(page)
    shot(page, "checkout-code-points-1280")
    page.set_viewport_size(PHONE)
    shot(page, "checkout-code-points-390")
    page.set_viewport_size(DESKTOP)
    shown = review_total(page)

    page.locator("[data-testid=payment-choice]", has_text="Card").click()
    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(re.compile(r"/payments/dev/checkout/"), timeout=3 * LIVE_MS)

    checkout = Checkout.objects.get(buyer=world["buyer"], payment_method="card")
    assert checkout.total == shown
    assert PaymentAttempt.objects.get(checkout=checkout).amount_minor == money_to_minor(shown, "KES")
    card_page = page.locator("[data-testid=dev-amount]").inner_text()
    assert Decimal(card_page.replace("KES", "").replace(",", "").strip()) == shown, (card_page, shown)
    assert PromoRedemption.objects.get(checkout=checkout).code.code == "NJERI15"
    page.get_by_role("button", name=re.compile(r"^Pay")).click()
    page.wait_for_url(lambda url: urlsplit(url).path == f"/payments/{checkout.idempotency_key}/", timeout=3 * LIVE_MS)
    captured = LedgerEntry.objects.filter(
        transaction__checkout=checkout, transaction__kind="capture", account__code__startswith="provider:"
    ).aggregate(total=Sum("amount_minor"))["total"]
    assert captured == money_to_minor(shown, "KES")
    # The store's promotions page counts the use.
    seller = opened(new_page)
    log_in(seller, world["njeri"].memberships.get().user.email)
    seller.goto("/dashboard/promotions/")
    expect(seller.locator("main")).to_contain_text("Used 1 of 100 times")
    assert errors == []


def test_back_shows_a_review_that_agrees_with_the_form_and_places_what_it_shows(new_page, world):
    page = opened(new_page)
    log_in(page, world["buyer"].email)
    fill_cart(page)
    page.goto("/checkout/")
    expect(page.locator("[data-testid=review-won]")).to_have_count(0)  # a win is offered unticked
    page.locator("#won-" + world["won"].number).check()
    expect(page.locator("[data-testid=review-won]")).to_have_count(1)

    page.locator(f"[data-testid=store-delivery]:has-text('{world['njeri'].name}')").get_by_label(re.compile("Pick-up")).check()
    page.locator("#won-" + world["won"].number).uncheck()
    expect(page.locator("[data-testid=review-won]")).to_have_count(0)
    settled(page)
    page.get_by_role("link", name="Cart").first.click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/cart/")
    page.go_back()
    page.wait_for_url(lambda url: urlsplit(url).path == "/checkout/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    settled(page)

    # Whatever the browser put back, the review is of that form.
    won_ticked = page.locator("#won-" + world["won"].number).is_checked()
    pickup = page.locator(f"[data-testid=store-delivery]:has-text('{world['njeri'].name}')").get_by_label(re.compile("Pick-up")).is_checked()
    expect(page.locator("[data-testid=review-won]")).to_have_count(1 if won_ticked else 0)
    njeri_review = page.locator("[data-testid=review-store]", has_text=world["njeri"].name)
    expect(njeri_review).to_contain_text("Pick-up" if pickup else "Delivery")
    shown = review_total(page)
    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/checkout/", timeout=3 * LIVE_MS)

    checkout = Checkout.objects.filter(buyer=world["buyer"]).exclude(pk=world["won"].checkout_id).get()
    assert checkout.total == shown


def test_a_review_that_no_longer_holds_is_refused_with_the_new_total(new_page, world):
    page = opened(new_page)
    page.set_viewport_size(DESKTOP)
    log_in(page, world["buyer"].email)
    fill_cart(page)
    page.goto("/checkout/")
    page.locator("#id_promo_code").fill("NJERI15")
    page.locator("[data-testid=promo-code] button").click()
    expect(page.locator("[data-testid=review-discount]")).to_be_visible()
    applied(page)
    page.locator("#use-points").check()
    expect(page.locator("[data-testid=review-points]")).to_be_visible()
    settled(page)
    before = review_total(page)
    # Meanwhile, in another tab, the buyer earns more points: "Use points" now takes more off.
    LoyaltyEntry.objects.create(
        user=world["buyer"], currency="KES", kind=LoyaltyEntry.Kind.EARNED, points=1000, remaining=1000,
        expires_at=timezone.now() + timedelta(days=300),
    )

    page.locator("[data-testid=place-order]").click()

    refusal = page.locator("[data-testid=checkout-refused]")
    expect(refusal).to_contain_text("since you reviewed it: check it and place again.")
    after = review_total(page)
    assert after < before and f"{after:,}".rstrip("0").rstrip(".") in refusal.inner_text()
    expect(page.locator("#id_promo_code")).to_have_value("NJERI15")
    expect(page.locator("#use-points")).to_be_checked()
    assert not Checkout.objects.filter(buyer=world["buyer"]).exclude(pk=world["won"].checkout_id).exists()
    shot(page, "checkout-total-changed-1280")
    page.set_viewport_size(PHONE)
    shot(page, "checkout-total-changed-390")

    page.locator("[data-testid=place-order]").click()
    page.wait_for_url(lambda url: urlsplit(url).path != "/checkout/", timeout=3 * LIVE_MS)
    checkout = Checkout.objects.filter(buyer=world["buyer"]).exclude(pk=world["won"].checkout_id).get()
    assert checkout.total == after
