"""Staff review listings: a new or substantively edited listing waits for them, and the
seller hears the outcome."""

import pytest

from shop.catalog.models import Product
from shop.catalog.services.products import (
    ModerationError,
    product_approve,
    product_reject,
    product_submit,
    products_bulk_set_status,
)
from shop.notifications.models import Notification
from tests.factories.catalog import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def review_everything(settings):
    settings.SOKO_AUTO_APPROVE_VERIFIED_STORES = False


def test_submitting_a_draft_sends_it_to_review():
    product = ProductFactory(draft=True)

    product_submit(product=product, changed_fields={"title"}, publish=True)

    assert product.status == Product.Status.PENDING


def test_a_price_or_stock_change_keeps_a_live_listing_live():
    product = ProductFactory()

    product_submit(product=product, changed_fields={"variants"}, publish=True)

    assert product.status == Product.Status.ACTIVE


@pytest.mark.parametrize("field", ["title", "description", "category", "tags", "images"])
def test_a_substantive_change_sends_a_live_listing_back_to_review(field):
    product = ProductFactory()

    product_submit(product=product, changed_fields={field}, publish=True)

    product.refresh_from_db()
    assert product.status == Product.Status.PENDING


def test_unknown_changes_count_as_substantive():
    product = ProductFactory()

    product_submit(product=product, publish=True)

    assert product.status == Product.Status.PENDING


def test_editing_an_archived_listing_sends_it_to_review_so_unarchiving_cannot_skip_it():
    product = ProductFactory(status=Product.Status.ARCHIVED)

    product_submit(product=product, changed_fields={"description"}, publish=False)

    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    assert products_bulk_set_status(store=product.store, product_ids=[product.pk], action="activate") == 0


def test_pending_listing_cannot_be_archived_and_then_activated_past_review():
    product = ProductFactory(status=Product.Status.PENDING)

    assert products_bulk_set_status(store=product.store, product_ids=[product.pk], action="archive") == 0
    assert products_bulk_set_status(store=product.store, product_ids=[product.pk], action="activate") == 0
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING


def test_bulk_delete_counts_products_not_their_variants():
    product = ProductFactory(variants=3, images=2)

    assert products_bulk_set_status(store=product.store, product_ids=[product.pk], action="delete") == 1


def test_approval_puts_the_listing_live_and_tells_the_store_owner():
    product = ProductFactory(title="Kikoi", status=Product.Status.PENDING, published_at=None)
    owner = product.store.memberships.get().user

    product_approve(product=product)

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE and product.published_at is not None
    assert list(Product.objects.visible()) == [product]
    notification = Notification.objects.get(user=owner)
    assert notification.kind == "moderation"
    assert notification.text == "“Kikoi” was approved and is now live."
    assert notification.url == f"/dashboard/products/{product.pk}/"


def test_rejection_needs_a_reason_and_tells_the_seller_what_to_change():
    product = ProductFactory(title="Kikoi", status=Product.Status.PENDING)

    with pytest.raises(ModerationError, match="Give the seller a reason"):
        product_reject(product=product, reason="   ")
    product_reject(product=product, reason="The photo shows a different product.")

    product.refresh_from_db()
    assert product.status == Product.Status.REJECTED
    assert product.rejection_reason == "The photo shows a different product."
    assert Notification.objects.get().text == "“Kikoi” was not approved: The photo shows a different product."


def test_only_pending_listings_can_be_approved():
    product = ProductFactory(draft=True)

    with pytest.raises(ModerationError, match="is draft, not pending review"):
        product_approve(product=product)
