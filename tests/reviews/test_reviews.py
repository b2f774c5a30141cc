"""Verified-purchase reviews: who may write them, one per line, the edit window and its
history, ratings kept exact, store responses, helpful votes, reports, hiding, feedback."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shop.catalog.models import Product
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.reviews.models import BuyerFeedback, HelpfulVote, Review, ReviewReport, ReviewRequest
from shop.reviews.services import (
    ReviewError,
    buyer_feedback_leave,
    review_hide,
    review_report,
    review_requests_send,
    review_respond,
    review_save,
    review_unhide,
    review_vote_helpful,
)
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory, member_of
from tests.media.pictures import picture_bytes, upload

from .conftest import delivered_order

pytestmark = pytest.mark.django_db


def product_of(item) -> Product:
    return Product.objects.get(pk=item.variant.product_id)


def test_the_buyer_of_a_delivered_line_reviews_it_and_the_product_rating_follows(client):
    order = delivered_order(items=2)
    item = order.items.first()
    client.force_login(order.buyer)

    page = client.get(reverse("reviews:order", args=[order.number]))
    assert page.status_code == 200 and page.content.decode().count('data-testid="review-form"') == 2

    response = client.post(
        reverse("reviews:line", args=[order.number, item.pk]), {"stars": "4", "text": "Lovely cloth"}
    )
    assert response.status_code == 302
    review = Review.objects.get(order_item=item)
    assert (review.stars, review.text, review.kind) == (4, "Lovely cloth", "product")
    product = product_of(item)
    assert (product.rating_avg, product.rating_count) == (4, 1)


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.CANCELLED])
def test_an_order_not_delivered_cannot_be_reviewed_even_by_a_direct_post(client, status):
    order = OrderFactory(status=status)
    item = order.items.first()
    client.force_login(order.buyer)
    assert client.get(reverse("reviews:order", args=[order.number])).status_code == 404
    assert client.post(reverse("reviews:line", args=[order.number, item.pk]), {"stars": "5"}).status_code == 404
    assert not Review.objects.exists()


def test_someone_else_gets_a_404_for_the_page_and_every_post(client):
    order = delivered_order()
    item = order.items.first()
    for user in (UserFactory(), member_of(order)):
        client.force_login(user)
        assert client.get(reverse("reviews:order", args=[order.number])).status_code == 404
        assert client.post(reverse("reviews:line", args=[order.number, item.pk]), {"stars": "1"}).status_code == 404
        assert client.post(reverse("reviews:store", args=[order.number]), {"stars": "1"}).status_code == 404
    other_line = OrderFactory(buyer=order.buyer).items.first()
    client.force_login(order.buyer)
    assert client.post(reverse("reviews:line", args=[order.number, other_line.pk]), {"stars": "1"}).status_code == 404
    assert not Review.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    order = delivered_order()
    response = client.get(reverse("reviews:order", args=[order.number]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_one_review_per_line_a_second_post_edits_it_and_keeps_the_previous_words():
    order = delivered_order()
    item = order.items.first()
    review_save(order=order, author=order.buyer, item=item, stars=2, text="Too small")
    review_save(order=order, author=order.buyer, item=item, stars=5, text="Swapped, now perfect")

    review = Review.objects.get(order_item=item)
    assert Review.objects.count() == 1
    assert (review.stars, review.text) == (5, "Swapped, now perfect") and review.edited_at
    assert [(r.stars, r.text) for r in review.revisions.all()] == [(2, "Too small")]
    assert product_of(item).rating_avg == 5


def test_reviews_can_be_changed_only_within_the_edit_window(settings):
    order = delivered_order()
    item = order.items.first()
    review = review_save(order=order, author=order.buyer, item=item, stars=3)
    Review.objects.filter(pk=review.pk).update(
        created_at=timezone.now() - timedelta(days=settings.SOKO_REVIEW_EDIT_DAYS, minutes=1)
    )
    with pytest.raises(ReviewError, match="30 days"):
        review_save(order=order, author=order.buyer, item=item, stars=5)
    assert Review.objects.get(pk=review.pk).stars == 3


@pytest.mark.parametrize("stars", ["0", "6", "", "four"])
def test_stars_outside_one_to_five_are_refused_with_a_message(client, stars):
    order = delivered_order()
    client.force_login(order.buyer)
    response = client.post(reverse("reviews:store", args=[order.number]), {"stars": stars}, follow=True)
    assert "Choose from 1 to 5 stars." in response.content.decode()
    assert not Review.objects.exists()


def test_a_review_with_photos_stores_them_through_the_image_pipeline(client):
    order = delivered_order()
    item = order.items.first()
    client.force_login(order.buyer)
    photos = [upload(f"p{n}.jpg", picture_bytes(colour=(n * 40, 10, 10))) for n in range(2)]
    client.post(reverse("reviews:line", args=[order.number, item.pk]), {"stars": "5", "photos": photos})
    review = Review.objects.get()
    assert review.has_photos and review.photos.count() == 2


def test_more_than_four_photos_are_refused():
    order = delivered_order()
    photos = [upload(f"p{n}.jpg", picture_bytes(colour=(n * 40, 10, 10))) for n in range(5)]
    with pytest.raises(ReviewError, match="at most 4"):
        review_save(order=order, author=order.buyer, item=order.items.first(), stars=5, photos=photos)


def test_store_reviews_set_the_store_rating_once_per_order():
    first, second = delivered_order(), None
    second = delivered_order(store=first.store)
    review_save(order=first, author=first.buyer, stars=5)
    review_save(order=second, author=second.buyer, stars=2)
    review_save(order=first, author=first.buyer, stars=4)  # an edit, not a second review
    store = type(first.store).objects.get(pk=first.store_id)
    assert (store.rating_avg, store.rating_count) == (3, 2)
    assert Review.objects.filter(kind="store").count() == 2


def test_a_negative_review_notifies_every_store_member_at_once():
    order = delivered_order()
    owner = member_of(order)
    teammate = UserFactory()
    order.store.memberships.create(user=teammate, role="staff")
    review_save(order=order, author=order.buyer, item=order.items.first(), stars=1, text="Broken")
    notified = set(Notification.objects.filter(kind="review").values_list("user_id", flat=True))
    assert notified == {owner.pk, teammate.pk}


def test_a_good_review_does_not_notify_the_store():
    order = delivered_order()
    review_save(order=order, author=order.buyer, item=order.items.first(), stars=4)
    assert not Notification.objects.filter(kind="review").exists()


def test_the_store_responds_once_and_may_edit_its_response():
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=3)
    seller = member_of(order)
    review_respond(review=review, user=seller, text="Thank you!")
    review_respond(review=review, user=seller, text="Thank you, come again!")
    review.refresh_from_db()
    assert review.response == "Thank you, come again!" and review.responded_at and review.response_edited_at
    with pytest.raises(ReviewError):
        review_respond(review=review, user=UserFactory(), text="Not my store")


def test_a_response_posted_from_the_dashboard_shows_on_the_product_page(client):
    order = delivered_order()
    item = order.items.first()
    review = review_save(order=order, author=order.buyer, item=item, stars=5, text="Great")
    client.force_login(member_of(order))
    assert client.get(reverse("sellers:reviews")).status_code == 200
    client.post(reverse("sellers:review_respond", args=[review.pk]), {"response": "Asante sana"})
    page = client.get(reverse("catalog:product", args=[product_of(item).slug])).content.decode()
    assert "Great" in page and "Asante sana" in page


def test_another_store_cannot_respond_by_direct_post(client):
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=5)
    client.force_login(member_of(delivered_order()))
    assert client.post(reverse("sellers:review_respond", args=[review.pk]), {"response": "x"}).status_code == 404


def test_helpful_votes_count_once_per_person_and_never_ones_own(client):
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=5)
    voter = UserFactory()
    review_vote_helpful(review=review, user=voter)
    with pytest.raises(ReviewError):
        review_vote_helpful(review=review, user=voter)
    with pytest.raises(ReviewError):
        review_vote_helpful(review=review, user=order.buyer)
    client.force_login(UserFactory())
    response = client.post(reverse("reviews:helpful", args=[review.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert Review.objects.get(pk=review.pk).helpful_count == 2 == HelpfulVote.objects.count()


def test_one_open_report_per_person_and_review():
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=5)
    reporter = UserFactory()
    review_report(review=review, reporter=reporter, reason="spam", text="An advert")
    with pytest.raises(ReviewError, match="already reported"):
        review_report(review=review, reporter=reporter, reason="fake")
    with pytest.raises(ReviewError):
        review_report(review=review, reporter=reporter, reason="nonsense")
    assert ReviewReport.objects.count() == 1


def test_hiding_a_review_recomputes_the_rating_and_tells_the_author_why(client):
    order = delivered_order(items=1)
    other = delivered_order(items=[(order.items.first().variant, 1)], store=order.store)
    item = order.items.first()
    hidden = review_save(order=order, author=order.buyer, item=item, stars=1, text="Spam spam")
    review_save(order=other, author=other.buyer, item=other.items.first(), stars=5)
    assert product_of(item).rating_avg == 3

    review_hide(review=hidden, staff=UserFactory(is_staff=True), reason="Advertising another shop")
    assert (product_of(item).rating_avg, product_of(item).rating_count) == (5, 1)
    client.force_login(order.buyer)
    page = client.get(reverse("reviews:order", args=[order.number])).content.decode()
    assert "Advertising another shop" in page
    assert "Spam spam" not in client.get(reverse("catalog:product", args=[product_of(item).slug])).content.decode()

    review_unhide(review=hidden)
    assert product_of(item).rating_count == 2


def test_staff_hide_from_the_admin_with_a_reason(admin_client):
    order = delivered_order()
    review = review_save(order=order, author=order.buyer, item=order.items.first(), stars=2)
    url = reverse("admin:reviews_review_hide", args=[review.pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"reason": "Personal details"})
    assert Review.objects.get(pk=review.pk).hidden_reason == "Personal details"
    assert admin_client.get(reverse("admin:reviews_reviewreport_changelist")).status_code == 200


def test_the_store_leaves_feedback_on_the_buyer_once_and_the_buyer_sees_it(client):
    order = delivered_order()
    seller = member_of(order)
    client.force_login(seller)
    assert (
        'data-testid="feedback-form"'
        in client.get(reverse("sellers:order_detail", args=[order.number])).content.decode()
    )
    client.post(reverse("sellers:buyer_feedback", args=[order.number]), {"rating": "positive", "comment": "Paid fast"})
    with pytest.raises(ReviewError):
        buyer_feedback_leave(order=order, user=seller, rating="negative")
    assert BuyerFeedback.objects.get().rating == "positive"
    listing = client.get(reverse("sellers:orders")).content.decode()
    assert "100% positive (1)" in listing
    client.force_login(order.buyer)
    page = client.get(reverse("reviews:feedback")).content.decode()
    assert "Paid fast" in page


def test_feedback_waits_for_delivery_and_is_the_stores_alone():
    order = OrderFactory(status=OrderStatus.CONFIRMED)
    with pytest.raises(ReviewError):
        buyer_feedback_leave(order=order, user=member_of(order), rating="positive")
    delivered = delivered_order()
    with pytest.raises(ReviewError):
        buyer_feedback_leave(order=delivered, user=delivered.buyer, rating="positive")


def test_the_order_page_asks_for_reviews_once_delivered(client):
    order = delivered_order()
    client.force_login(order.buyer)
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert reverse("reviews:order", args=[order.number]) in page
    pending = OrderFactory(buyer=order.buyer)
    assert (
        'data-testid="review-prompt"'
        not in client.get(reverse("orders:detail", args=[pending.number])).content.decode()
    )


def test_buyers_are_asked_once_by_notification_then_once_by_email_later(settings):
    order = delivered_order()
    assert review_requests_send() == {"notified": 1, "emailed": 0}
    assert review_requests_send() == {"notified": 0, "emailed": 0}
    assert Notification.objects.filter(user=order.buyer, kind="review").count() == 1

    later = timezone.now() + timedelta(hours=settings.SOKO_REVIEW_EMAIL_HOURS, minutes=1)
    assert review_requests_send(now=later)["emailed"] == 1
    assert review_requests_send(now=later)["emailed"] == 0
    assert len(mail.outbox) == 1 and order.number in mail.outbox[0].body
    assert ReviewRequest.objects.get().emailed_at


def test_an_order_reviewed_in_full_gets_no_email(settings):
    order = delivered_order()
    review_requests_send()
    review_save(order=order, author=order.buyer, item=order.items.first(), stars=5)
    review_save(order=order, author=order.buyer, stars=5)
    later = timezone.now() + timedelta(hours=settings.SOKO_REVIEW_EMAIL_HOURS, minutes=1)
    assert review_requests_send(now=later)["emailed"] == 0 and not mail.outbox


def test_the_product_reviews_sort_and_page_without_javascript(client, settings):
    settings.SOKO_REVIEWS_PAGE_SIZE = 2
    first = delivered_order()
    variant = first.items.first().variant
    for stars in (5, 4, 3):
        order = delivered_order(items=[(variant, 1)], store=first.store)
        review_save(order=order, author=order.buyer, item=order.items.first(), stars=stars, text=f"{stars} stars here")
    url = reverse("reviews:product", args=[variant.product_id])
    page = client.get(url + "?sort=helpful&page=2")
    assert page.status_code == 200 and "<html" in page.content.decode()
    fragment = client.get(url + "?sort=newest", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and fragment.count('data-testid="review"') == 2
    assert client.get(url + "?sort=bogus&page=x").status_code == 200
    assert Order.objects.count() == 4
