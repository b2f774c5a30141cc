"""After a status change commits, the new timeline goes to the buyer's and the store's open
pages (htmx out-of-band fragments) and the buyer is notified, live and by email."""

import pytest
from django.core import mail

from sellers.models import StoreMember
from shop.notifications.models import Notification
from shop.orders.models import OrderStatus
from shop.orders.selectors.transitions import Role
from shop.orders.services.orders import order_transition
from tests.factories import UserFactory
from tests.factories.orders import OrderFactory, member_of

pytestmark = pytest.mark.django_db



def test_confirming_pushes_the_timeline_to_buyer_and_every_store_member(pushes, django_capture_on_commit_callbacks):
    order = OrderFactory()
    seller = member_of(order)
    teammate = UserFactory()
    StoreMember.objects.create(store=order.store, user=teammate)

    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=seller, role=Role.SELLER)

    timeline_id = f'id="order-timeline-{order.number}" hx-swap-oob="true"'
    by_group = {}
    for group, html in pushes:
        by_group.setdefault(group, []).append(html)
    buyer_html = "".join(by_group[f"user.{order.buyer_id}"])
    assert timeline_id in buyer_html and 'data-status="confirmed"' in buyer_html
    assert f'id="order-actions-{order.number}"' in buyer_html
    for member in (seller, teammate):
        member_html = "".join(by_group[f"user.{member.pk}"])
        assert timeline_id in member_html and f'id="seller-actions-{order.number}"' in member_html
        assert "handover-qr" not in member_html


def test_nothing_is_pushed_when_the_move_is_refused(pushes, django_capture_on_commit_callbacks):
    from shop.orders.selectors.transitions import TransitionError

    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionError):
        order_transition(order=order, to=OrderStatus.DELIVERED, actor=member_of(order), role=Role.SELLER)
    assert pushes == []


def test_every_change_notifies_the_buyer_live_and_by_email(pushes, django_capture_on_commit_callbacks):
    order = OrderFactory()
    seller = member_of(order)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.CONFIRMED, actor=seller, role=Role.SELLER)
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=seller, role=Role.SELLER, note="Out of stock, sorry")

    notes = list(Notification.objects.filter(user=order.buyer).order_by("created_at", "id"))
    assert [n.kind for n in notes] == ["order", "order"]
    assert "confirmed your order" in notes[0].text
    assert "cancelled" in notes[1].text and "Out of stock, sorry" in notes[1].text
    assert notes[1].url == f"/orders/{order.number}/"
    assert len(mail.outbox) == 2 and mail.outbox[0].to == [order.buyer.email]
    assert any('id="toasts"' in html for group, html in pushes if group == f"user.{order.buyer_id}")


def test_the_store_hears_when_the_buyer_cancels(pushes, django_capture_on_commit_callbacks):
    order = OrderFactory()
    with django_capture_on_commit_callbacks(execute=True):
        order_transition(order=order, to=OrderStatus.CANCELLED, actor=order.buyer, role=Role.BUYER, note="Ordered twice")
    seller_note = Notification.objects.get(user=member_of(order))
    assert order.number in seller_note.text and "Ordered twice" in seller_note.text
    assert seller_note.url == f"/dashboard/orders/{order.number}/"
