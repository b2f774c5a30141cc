"""Staff work through the pending-review queue in the admin."""

import pytest

from shop.catalog.models import Product
from shop.notifications.models import Notification
from tests.factories import UserFactory
from tests.factories.catalog import ProductFactory
from tests.html import dom

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(email="staff@soko.test", is_staff=True, is_superuser=True))
    return client


def test_product_admin_opens_on_the_pending_review_queue(staff_client):
    ProductFactory(title="Waiting kikoi", status=Product.Status.PENDING)
    ProductFactory(title="Live basket")

    response = staff_client.get(CHANGELIST)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Waiting kikoi" in page and "Live basket" not in page
    assert "Pending review (1)" in page

    page = staff_client.get(CHANGELIST, {"status": "all"}).content.decode()
    assert "Waiting kikoi" in page and "Live basket" in page


def test_staff_approve_several_products_at_once(staff_client):
    first, second = ProductFactory.create_batch(2, status=Product.Status.PENDING, published_at=None)

    response = staff_client.post(CHANGELIST, {"action": "approve_products", "_selected_action": [first.pk, second.pk]})

    assert response.status_code == 302
    assert Product.objects.visible().count() == 2
    assert Notification.objects.filter(kind="moderation").count() == 2


def test_reject_asks_for_a_reason_on_an_intermediate_page(staff_client):
    product = ProductFactory(title="Fake watch", status=Product.Status.PENDING)

    response = staff_client.post(CHANGELIST, {"action": "reject_products", "_selected_action": [product.pk]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Fake watch" in page and 'name="reason"' in page
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING


def test_reject_without_a_reason_is_refused(staff_client):
    product = ProductFactory(status=Product.Status.PENDING)

    response = staff_client.post(
        CHANGELIST, {"action": "reject_products", "_selected_action": [product.pk], "reason": "  ", "apply": "Reject"}
    )

    assert response.status_code == 200
    assert "Give the seller a reason for the rejection." in response.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING
    assert not Notification.objects.exists()


def test_reject_with_a_reason_writes_it_and_notifies_the_store_owner(staff_client):
    product = ProductFactory(title="Fake watch", status=Product.Status.PENDING)
    owner = product.store.memberships.get().user

    response = staff_client.post(
        CHANGELIST,
        {"action": "reject_products", "_selected_action": [product.pk], "reason": "Replica brands are not allowed.", "apply": "Reject"},
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.REJECTED
    assert product.rejection_reason == "Replica brands are not allowed."
    notification = Notification.objects.get(user=owner)
    assert notification.text == "“Fake watch” was not approved: Replica brands are not allowed."


def test_approving_a_product_that_is_not_pending_says_so(staff_client):
    product = ProductFactory(title="Live basket")

    response = staff_client.post(
        CHANGELIST + "?status=all", {"action": "approve_products", "_selected_action": [product.pk]}, follow=True
    )

    assert "“Live basket” is active, not pending review." in response.content.decode()


def test_a_rejection_refused_for_every_product_keeps_the_reason_typed(staff_client):
    """Approved by a colleague meanwhile: nothing to reject, and the reason is still there."""
    product = ProductFactory(title="Live basket")

    response = staff_client.post(
        CHANGELIST + "?status=all",
        {"action": "reject_products", "_selected_action": [product.pk], "reason": "Blurry & dark photos", "apply": "Reject"},
    )

    assert response.status_code == 422
    page = dom(response)
    assert "“Live basket” is active, not pending review." in page.one("[data-testid=reject-refused]").text
    assert page.one("textarea[name=reason]").text == "Blurry & dark photos"
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE and not Notification.objects.exists()


def test_product_change_page_shows_variants_and_picture_thumbnails(staff_client):
    product = ProductFactory(images=1, variants=[{"name": "Red / M"}])

    page = staff_client.get(f"{CHANGELIST}{product.pk}/change/").content.decode()

    assert "Red / M" in page
    assert "images/renditions/" in page


def test_category_admin_lists_the_tree(staff_client):
    page = staff_client.get("/admin/catalog/category/").content.decode()

    assert page.index("<strong>Crafts</strong>") < page.index("Baskets")
    assert "bi-palette" in page
