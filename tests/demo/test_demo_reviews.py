from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count

from sellers.models import Store
from shop.catalog.models import Product
from shop.demo.services.reviews import PURCHASES
from shop.media.models import StoredImage
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderStatus
from shop.reviews.models import BuyerFeedback, Review, ReviewPhoto, ReviewRequest

pytestmark = pytest.mark.django_db


def figures(reviews) -> tuple[Decimal, int]:
    got = reviews.filter(hidden_at__isnull=True).aggregate(avg=Avg("stars"), n=Count("id"))
    return Decimal(got["avg"] or 0).quantize(Decimal("0.01")), got["n"]


@pytest.fixture
def seeded(demo):
    return demo.at


def test_every_demo_rating_is_what_its_reviews_add_up_to(seeded):
    for product in Product.objects.all():
        assert (product.rating_avg, product.rating_count) == figures(product.reviews.filter(kind=Review.Kind.PRODUCT))
    for store in Store.objects.all():
        assert (store.rating_avg, store.rating_count) == figures(store.reviews.filter(kind=Review.Kind.STORE))
    # Listings nobody reviewed start at nothing; a few are reviewed, as are most stores.
    assert Product.objects.filter(rating_count=0).count() > 50
    assert Product.objects.filter(rating_count__gt=0).count() >= 10
    assert Store.objects.filter(rating_count__gt=0).count() >= 5


def test_demo_reviews_are_verified_purchases_with_photos_responses_and_votes(seeded):
    reviews = Review.objects.select_related("order", "order_item")
    assert reviews.count() == sum(len(purchase.said) for purchase in PURCHASES)
    assert all(review.order.buyer_id == review.author_id for review in reviews)
    # Handed over; the demo buyer has since confirmed receipt of theirs (which earned points).
    assert all(review.order.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED) for review in reviews)
    assert all(review.order_item.order_id == review.order_id for review in reviews.filter(kind=Review.Kind.PRODUCT))
    assert reviews.filter(kind=Review.Kind.STORE).count() >= 3
    assert reviews.filter(stars=2).exists()
    assert reviews.filter(responded_at__isnull=False).count() >= 2
    assert reviews.filter(helpful_count__gt=0).exists()
    # The photo is ready to show, with its renditions made.
    photo = ReviewPhoto.objects.select_related("image").first()
    assert photo is not None and photo.image.status == StoredImage.Status.READY
    # Reviewed after the order was collected; each order counted as asked already.
    assert all(review.created_at > review.order.delivered_at for review in reviews)
    assert ReviewRequest.objects.filter(emailed_at__isnull=False).count() == len(PURCHASES)
    # The store was told about the two-star review; the demo buyer got feedback from a store.
    assert Notification.objects.filter(user__email="seller@soko.test", text__contains="2★").exists()
    feedback = BuyerFeedback.objects.get()
    assert (feedback.buyer.email, feedback.rating) == ("buyer@soko.test", BuyerFeedback.Rating.POSITIVE)


def test_demo_buyer_keeps_delivered_orders_to_review_herself(seeded):
    delivered = Order.objects.filter(buyer__email="buyer@soko.test", status=OrderStatus.DELIVERED)
    assert delivered.filter(reviews__isnull=True).exists()


def test_seeding_again_leaves_the_reviews_alone(seeded, capsys):
    before = list(Review.objects.values_list("pk", "stars", "helpful_count", "responded_at"))
    ratings = list(Product.objects.values_list("pk", "rating_avg", "rating_count"))

    call_command("seed_demo")

    assert list(Review.objects.values_list("pk", "stars", "helpful_count", "responded_at")) == before
    assert list(Product.objects.values_list("pk", "rating_avg", "rating_count")) == ratings
    assert "answered by the store (0 new)." in capsys.readouterr().out
