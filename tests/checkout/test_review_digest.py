"""The review the buyer confirms is what is charged: the page carries a signed digest of
every input of the total, the code and the points survive every refresh of the review,
and placing refuses (nothing written) with the new total when anything moved since."""

import re
import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from shop.orders.models import Checkout, Order
from shop.orders.services.checkout import CheckoutError, checkout_place
from shop.promotions.models import LoyaltyEntry, PromoCode, PromoRedemption

from .conftest import details_for
from .test_loyalty import given
from .test_page import checked, form_key, review_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "review"}


def total(page: str) -> str:
    return re.search(r'data-testid="review-total">([^<]+)<', page).group(1)


def code_field(page: str) -> str:
    return re.search(r'name="promo_code" id="id_promo_code" value="([^"]*)"', page).group(1)


@pytest.fixture
def weavers15(weavers):
    return PromoCode.objects.create(
        code="WEAVERS15", store=weavers, kind="percent", amount=Decimal("15"), currency="KES",
        min_order=Decimal("1500"), max_uses=100, starts_at=timezone.now() - timedelta(days=1),
    )


def test_code_points_and_a_delivery_switch_keep_the_code_and_charge_what_the_review_showed(
    client, buyer, cart, weavers, crafts, weavers15
):
    given(buyer, 635)
    client.force_login(buyer)
    page = client.get("/checkout/").text
    form = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}

    # The code, applied: the page again with its figures.
    form["promo_code"] = "weavers15"
    page = client.post("/checkout/", {**form, "recalculate": "1"}).text
    assert code_field(page) == "weavers15" and 'data-testid="review-discount"' in page
    form.update(review_of(page))

    # "Use points" and then pick-up: each refresh of the review keeps the code in its field.
    form["use_points"] = "1"
    review = client.get("/checkout/", {k: v for k, v in form.items() if k != "idempotency_key"}, headers=HTMX).text
    assert code_field(review) == "weavers15" and 'data-testid="review-points"' in review
    form["promo_code"] = code_field(review)
    form.update(review_of(review))
    form[f"delivery_{weavers.pk}"] = "pickup"
    review = client.get("/checkout/", {k: v for k, v in form.items() if k != "idempotency_key"}, headers=HTMX).text
    assert code_field(review) == "weavers15" and 'data-testid="review-discount"' in review
    assert 'name="use_points" value="1" id="use-points" checked' in review
    form["promo_code"] = code_field(review)
    form.update(review_of(review))
    shown = total(review)

    response = client.post("/checkout/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    checkout = Checkout.objects.get(buyer=buyer)
    assert shown == "KES 2,828" and checkout.total == Decimal("2828")  # 2401 + 850 − 360 (code) − 63 (points), whole shillings
    assert PromoRedemption.objects.get().checkout == checkout
    assert sum(order.points_used for order in checkout.orders.all()) == 630
    # The store's promotions page counts the use.
    client.force_login(weavers.memberships.get().user)
    assert "Used 1 of 100 times" in client.get("/dashboard/promotions/").text


def test_a_review_that_no_longer_holds_is_refused_with_the_new_total_and_its_page_places(client, buyer, cart, weavers, settings):
    client.force_login(buyer)
    page = client.get("/checkout/").text
    assert total(page) == "KES 3,451"
    settings.SOKO_DELIVERY_FEES = {**settings.SOKO_DELIVERY_FEES, "KES": Decimal("350")}

    refused = client.post("/checkout/", {"idempotency_key": form_key(page), "instructions": "", **checked(page)})

    body = refused.content.decode()
    assert refused.status_code == 422
    assert "The total changed to KES 3,601 since you reviewed it: check it and place again." in body
    assert total(body) == "KES 3,601" and not Checkout.objects.exists()
    placed = client.post("/checkout/", {"idempotency_key": form_key(body), "instructions": "", **checked(body)})
    assert placed.status_code == 302 and Checkout.objects.get().total == Decimal("3601")


def test_a_form_without_its_review_or_with_a_forged_one_is_refused(client, buyer, cart):
    client.force_login(buyer)
    page = client.get("/checkout/").text
    form = {"idempotency_key": form_key(page), "instructions": "", **checked(page)}

    without = client.post("/checkout/", {key: value for key, value in form.items() if key != "review"})
    forged = client.post("/checkout/", {**form, "review": form["review"][:-2] + "xx"})

    for refused in (without, forged):
        assert refused.status_code == 422 and "since you reviewed it" in refused.content.decode()
    assert not Order.objects.exists()


def test_placing_a_review_that_differs_writes_nothing(buyer, cart, weavers, weavers15):
    given(buyer, 635)
    details = replace(details_for(buyer, delivery_modes={weavers.pk: "delivery"}), promo_code="WEAVERS15", use_points=True)
    # The review was of the same choices without the points.
    client = Client()
    client.force_login(buyer)
    page = client.get("/checkout/", {"promo_code": "WEAVERS15", f"delivery_{weavers.pk}": "delivery"}).text

    with pytest.raises(CheckoutError) as refused:
        checkout_place(buyer=buyer, cart=cart, details=replace(details, review=review_of(page)["review"]), idempotency_key=uuid.uuid4())

    assert "The total changed to KES" in str(refused.value)
    assert not Checkout.objects.exists() and PromoCode.objects.get().uses == 0
    assert not PromoRedemption.objects.exists() and LoyaltyEntry.objects.filter(user=buyer).count() == 1
    ok = replace(details, use_points=False, review=review_of(page)["review"])
    assert checkout_place(buyer=buyer, cart=cart, details=ok, idempotency_key=uuid.uuid4()).total == Decimal(total(page)[4:].replace(",", ""))
