"""The store's forms about reviews keep what its team wrote when refused: the feedback on a
buyer comes back on the order's page (422) with its rating and comment and why, and a
response to a review comes back open in the list with why — not a redirect and a message
above an empty form."""

import pytest
from django.urls import reverse

from shop.reviews.models import BuyerFeedback, Review
from shop.reviews.services import review_save
from tests.factories.orders import member_of
from tests.html import dom

from .conftest import delivered_order

pytestmark = pytest.mark.django_db


def test_feedback_on_the_buyer_without_a_rating_keeps_the_comment(client):
    order = delivered_order()
    client.force_login(member_of(order))

    response = client.post(reverse("sellers:buyer_feedback", args=[order.number]), {"comment": "Paid on time & polite"})

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=feedback-form]")
    assert form.one("[data-testid=form-refused]").text == "Choose positive, neutral or negative."
    assert form.one("input[name=comment]").attr("value") == "Paid on time & polite"
    assert not BuyerFeedback.objects.exists()


def test_feedback_refused_as_left_already_keeps_the_rating_and_comment(client):
    order = delivered_order()
    seller = member_of(order)
    client.force_login(seller)
    url = reverse("sellers:buyer_feedback", args=[order.number])
    client.post(url, {"rating": "positive", "comment": "First"})

    response = client.post(url, {"rating": "negative", "comment": "A teammate's second opinion"})

    assert response.status_code == 422
    form = dom(response).one("form[data-testid=feedback-form]")
    assert "already" in form.one("[data-testid=form-refused]").text
    assert form.one("input[name=rating][checked]").attr("value") == "negative"
    assert form.one("input[name=comment]").attr("value") == "A teammate's second opinion"
    assert BuyerFeedback.objects.get().comment == "First"


def test_an_empty_response_to_a_review_comes_back_open_with_why(client):
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=2, text="Too small")
    client.force_login(member_of(order))

    response = client.post(reverse("sellers:review_respond", args=[review.pk]), {"response": "   ", "stars": "2"})

    assert response.status_code == 422
    card = dom(response).one(f"#review-{review.pk}")
    assert card.one("details").attr("open") is not None
    assert card.one("[data-testid=form-refused]").text == "Write a response first."
    assert card.one("input[name=stars]").attr("value") == "2"
    assert Review.objects.get().response == ""
