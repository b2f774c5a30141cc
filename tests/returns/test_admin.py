"""Staff decide escalated returns in the admin: the escalated ones are a filter away, the
decision page approves or rejects with a note both sides are told."""

import pytest

from returns.models import ReturnStatus
from returns.services import return_escalate, return_reject, return_request_create
from shop.notifications.models import Notification
from tests.factories import UserFactory

from .conftest import member

pytestmark = pytest.mark.django_db


def test_staff_approve_an_escalated_return_with_a_note(client, cash_order):
    item = cash_order.items.order_by("id").first()
    ret = return_request_create(order=cash_order, buyer=cash_order.buyer, lines={item.pk: 1}, reason="damaged")
    ret = return_reject(request=ret, actor=member(cash_order), reason="Worn")
    ret = return_escalate(request=ret, buyer=cash_order.buyer, text="Never worn")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)

    listing = client.get("/admin/returns/returnrequest/?status__exact=escalated")
    assert listing.status_code == 200 and cash_order.number in listing.content.decode()
    assert client.get(f"/admin/returns/returnrequest/{ret.pk}/change/").status_code == 200
    page = client.get(f"/admin/returns/returnrequest/{ret.pk}/decide/")
    assert "Never worn" in page.content.decode()
    refused = client.post(f"/admin/returns/returnrequest/{ret.pk}/decide/", {"decision": "approve", "note": ""})
    assert refused.status_code == 200
    client.post(
        f"/admin/returns/returnrequest/{ret.pk}/decide/", {"decision": "approve", "note": "Photos show a fault"}
    )
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.APPROVED and ret.decided_by == staff
    assert Notification.objects.filter(user=cash_order.buyer, text__contains="Photos show a fault").exists()
    assert Notification.objects.filter(user=member(cash_order), text__contains="Photos show a fault").exists()
