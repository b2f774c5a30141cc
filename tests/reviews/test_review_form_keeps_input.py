"""A refused review keeps what the buyer wrote: the review page comes back (422) with their
stars and words still in the form and why it was refused next to it, rather than a
redirect and a flash message that leave an empty form (too many photos, a picture the
image pipeline refuses, no stars chosen, the courier's rating)."""

import re

import pytest
from django.urls import reverse

from couriers.models import DeliveryJob
from shop.reviews.models import Review
from tests.factories import CourierProfileFactory
from tests.factories.couriers import DeliveryJobFactory
from tests.media.pictures import picture_bytes, upload

from .conftest import delivered_order

pytestmark = pytest.mark.django_db

TEXT = "A long careful review I typed on my phone, about the fit & the colour"


def checked_stars(page: str, prefix) -> list[str]:
    return re.findall(rf'id="{prefix}-stars-(\d)" value="\d" checked', page)


def refusal(page: str) -> str:
    return re.search(r'data-testid="review-error">(.*?)</div>', page, re.S).group(1)


def test_five_photos_where_four_are_allowed_keep_the_stars_and_the_text(client):
    order = delivered_order()
    item = order.items.first()
    client.force_login(order.buyer)
    photos = [upload(f"p{n}.jpg", picture_bytes(colour=(n * 40, 10, 10))) for n in range(5)]

    response = client.post(
        reverse("reviews:line", args=[order.number, item.pk]), {"stars": "4", "text": TEXT, "photos": photos}
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "at most 4" in refusal(page) and "Choose your photos again." in refusal(page)
    line = re.search(rf'<section[^>]* id="line-{item.pk}".*?</section>', page, re.S).group(0)
    assert ">A long careful review I typed on my phone, about the fit &amp; the colour</textarea>" in line
    assert checked_stars(line, item.pk) == ["4"]
    assert 'data-focus data-testid="review-error"' in line
    assert not Review.objects.exists()


def test_a_picture_the_pipeline_refuses_keeps_the_stars_and_the_text(client):
    order = delivered_order()
    item = order.items.first()
    client.force_login(order.buyer)
    photos = [upload("fine.jpg", picture_bytes()), upload("notes.jpg", b"these are my notes, not a picture")]

    response = client.post(
        reverse("reviews:line", args=[order.number, item.pk]), {"stars": "2", "text": TEXT, "photos": photos}
    )

    page = response.content.decode()
    assert response.status_code == 422 and "notes.jpg" in refusal(page)
    assert "the fit &amp; the colour</textarea>" in page and checked_stars(page, item.pk) == ["2"]
    assert not Review.objects.exists()


def test_the_store_review_without_stars_keeps_the_text(client):
    order = delivered_order()
    client.force_login(order.buyer)

    response = client.post(reverse("reviews:store", args=[order.number]), {"text": TEXT})

    page = response.content.decode()
    assert response.status_code == 422 and "Choose from 1 to 5 stars." in refusal(page)
    store = re.search(r'<section[^>]* id="store-review".*?</section>', page, re.S).group(0)
    assert "the fit &amp; the colour</textarea>" in store and "Choose your photos again." not in store


def test_the_courier_rating_refused_keeps_the_comment(client):
    order = delivered_order()
    DeliveryJobFactory(order=order, courier=CourierProfileFactory(status="approved").user, status=DeliveryJob.Status.DELIVERED)
    client.force_login(order.buyer)

    response = client.post(reverse("reviews:courier", args=[order.number]), {"stars": "9", "comment": "Kind & quick"})

    page = response.content.decode()
    assert response.status_code == 422 and "Choose from 1 to 5 stars." in refusal(page)
    courier = re.search(r'<section[^>]* id="courier-review".*?</section>', page, re.S).group(0)
    assert 'value="Kind &amp; quick"' in courier


def test_a_saved_review_still_redirects_to_its_line(client):
    order = delivered_order()
    item = order.items.first()
    client.force_login(order.buyer)

    response = client.post(reverse("reviews:line", args=[order.number, item.pk]), {"stars": "5", "text": TEXT})

    assert response.status_code == 302 and response["Location"].endswith(f"#line-{item.pk}")
    assert Review.objects.get().text == TEXT
