"""Live rows: a pushed notification lands at the top of an open notification list, and a
new order at the top of its store's open order list. A push goes to every open page of the
user; only pages with the push's target take it (the others skip it, see static/js/soko.js)."""

import uuid

import pytest

from sellers.models import StoreMember
from shop.notifications.services.notifications import notify
from shop.orders.services.checkout import checkout_place
from tests.checkout.conftest import basket, buyer, cart, crafts, details_for, kikoi, weavers  # noqa: F401
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db



def pushed_to(pushes, user) -> str:
    return "".join(html for group, html in pushes if group == f"user.{user.pk}")


def test_a_new_notification_goes_to_the_top_of_the_open_list(client, user, pushes, django_capture_on_commit_callbacks):
    NotificationFactory(user=user, text="Older news")
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert ' id="notification-rows"' in page

    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind="order", text="Kisii Weavers confirmed your order")

    html = pushed_to(pushes, user)
    assert '<ul hx-swap-oob="afterbegin:#notification-rows">' in html
    row = html.split('afterbegin:#notification-rows">', 1)[1]
    assert 'data-testid="notification"' in row and "Kisii Weavers confirmed your order" in row
    assert "notification-unread" in row and "Mark as read" in row


def test_an_empty_list_still_takes_the_first_notification(client, user):
    client.force_login(user)

    page = client.get("/notifications/").content.decode()

    assert ' id="notification-rows"' in page and "No notifications yet" in page


def test_older_pages_do_not_take_new_rows(client, user):
    NotificationFactory.create_batch(21, user=user)
    client.force_login(user)

    assert ' id="notification-rows"' in client.get("/notifications/").content.decode()
    assert ' id="notification-rows"' not in client.get("/notifications/?page=2").content.decode()


def test_a_placed_order_appears_on_the_store_teams_open_order_lists(
    client, buyer, cart, weavers, crafts, pushes, django_capture_on_commit_callbacks  # noqa: F811
):
    teammate = UserFactory(email="juma@example.test")
    StoreMember.objects.create(store=weavers, user=teammate)
    owner = weavers.memberships.get(role=StoreMember.Role.OWNER).user

    with django_capture_on_commit_callbacks(execute=True):
        checkout = checkout_place(buyer=buyer, cart=cart, details=details_for(buyer), idempotency_key=uuid.uuid4())

    order = checkout.orders.get(store=weavers)
    target = f'hx-swap-oob="afterbegin:#store-{weavers.pk}-new-orders"'
    for member in (owner, teammate):
        html = pushed_to(pushes, member)
        assert target in html and order.number in html and "2× <bdi>Kiondo basket</bdi>" in html
        assert f'href="/dashboard/orders/{order.number}/"' in html
    assert target not in pushed_to(pushes, buyer)
    crafts_owner = crafts.memberships.get().user
    assert target not in pushed_to(pushes, crafts_owner)
    assert f"#store-{crafts.pk}-new-orders" in pushed_to(pushes, crafts_owner)


def test_the_order_list_takes_new_orders_only_where_they_belong(client, weavers):  # noqa: F811
    client.force_login(weavers.memberships.get().user)
    target = f'id="store-{weavers.pk}-new-orders"'

    assert target in client.get("/dashboard/orders/").content.decode()
    assert target in client.get("/dashboard/orders/?status=pending").content.decode()
    assert target not in client.get("/dashboard/orders/?status=confirmed").content.decode()
    assert target not in client.get("/dashboard/orders/?q=amina").content.decode()
