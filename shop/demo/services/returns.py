"""Demo returns for `manage.py seed_demo`: three of the demo buyer's delivered orders have
a return each, carried through the real services — one just asked for, one approved and
waiting for the buyer to bring the items to the store, one received, inspected and refunded.

Idempotent: when the demo buyer has any return, nothing is done.
"""

from django.contrib.auth import get_user_model

from returns.models import ReturnRequest
from returns.selectors import lines_left, return_window_open
from returns.services import return_accept, return_approve, return_receive, return_request_create
from shop.demo.services.deliveries import BUYER_EMAIL
from shop.orders.models import Order, OrderStatus

STORIES = [
    ("requested", "damaged", "One of the handles came loose on the first day."),
    ("approved", "does_not_fit", "Too small for our table, sadly."),
    ("refunded", "not_as_described", "The colour is much darker than in the pictures."),
]


def seed_returns() -> dict:
    buyer = get_user_model().objects.filter(email=BUYER_EMAIL).first()
    if buyer is None or ReturnRequest.objects.filter(buyer=buyer).exists():
        return {"new_returns": 0}
    delivered = (
        Order.objects.filter(buyer=buyer, status__in=[OrderStatus.DELIVERED, OrderStatus.COMPLETED])
        .select_related("store", "checkout")
        .order_by("-delivered_at")
    )
    # Demo card payments never reached a gateway, so the refunded story takes a cash order (listed last).
    orders = sorted(
        (order for order in delivered if return_window_open(order)),
        key=lambda order: order.checkout.payment_method == "cod",
    )
    made = 0
    for order, (state, reason, text) in zip(orders, STORIES, strict=False):
        rows = [row for row in lines_left(order) if row.returnable and row.available]
        if not rows:
            continue
        ret = return_request_create(order=order, buyer=buyer, lines={rows[0].item.pk: 1}, reason=reason, text=text)
        made += 1
        if state == "requested":
            continue
        member = order.store.memberships.order_by("id").first().user
        ret = return_approve(
            request=ret,
            actor=member,
            method="drop_off",
            instructions="Bring it in its packaging, Monday to Saturday, 9:00 to 17:00. Ask for Njeri.",
        )
        if state == "refunded":
            ret = return_receive(request=ret, actor=member)
            return_accept(request=ret, actor=member, note="As described by the buyer.", resellable=True)
    return {"new_returns": made}


def demo_returns() -> dict:
    counts = {}
    for ret in ReturnRequest.objects.filter(buyer__email=BUYER_EMAIL):
        counts[ret.status] = counts.get(ret.status, 0) + 1
    return counts
