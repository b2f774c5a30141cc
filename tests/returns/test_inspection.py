"""Receiving is not accepting: the goods reach the store (its "we have them", or the
courier typing its drop-off code), the store inspects them, then refunds or disputes them
to staff; a return the store leaves alone after receipt is refunded by the deadline job,
once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from returns import services
from returns.models import ReturnEvent, ReturnRequest, ReturnStatus
from returns.selectors import return_can_escalate
from returns.services import ReturnError, return_approve, return_receive, return_request_create
from shop.notifications.models import Notification
from shop.payments.models import Refund
from tests.factories import UserFactory

from .conftest import balanced, member

pytestmark = pytest.mark.django_db
S = ReturnStatus


def received_return(order, *, units=1):
    """Asked, approved for a drop-off and received by the store."""
    item = order.items.order_by("id").first()
    request = return_request_create(order=order, buyer=order.buyer, lines={item.pk: units}, reason="damaged")
    request = return_approve(request=request, actor=member(order), method="drop_off")
    return return_receive(request=request, actor=member(order))


def test_a_drop_off_return_is_refunded_only_when_the_store_says_so_after_receipt(cash_order):
    store_user = member(cash_order)
    request = received_return(cash_order, units=2)

    request.refresh_from_db()
    assert request.status == S.RECEIVED and request.received_at is not None
    assert not Refund.objects.filter(order=cash_order).exists(), "receiving is not accepting"
    told = Notification.objects.filter(user=cash_order.buyer, kind="return").order_by("-id").first()
    assert "checks them" in told.text and "3 days" in told.text

    request = services.return_accept(request=request, actor=store_user, note="Unused, in the box", resellable=True)

    assert request.status == S.REFUNDED and request.refund.amount_minor == 50000
    assert request.inspection_note == "Unused, in the box" and request.restocked_at is not None
    assert [event.to_status for event in request.events.all()] == [S.REQUESTED, S.APPROVED, S.RECEIVED, S.REFUNDED]
    assert balanced()


def test_only_the_stores_team_inspects_and_only_once(card_order):
    request = received_return(card_order)
    with pytest.raises(ReturnError, match="store's team"):
        services.return_accept(request=request, actor=UserFactory())
    with pytest.raises(ReturnError, match="store's team"):
        services.return_dispute(request=request, actor=card_order.buyer, text="Mine")
    services.return_accept(request=request, actor=member(card_order))
    with pytest.raises(ReturnError):
        services.return_dispute(request=request, actor=member(card_order), text="Too late")
    assert Refund.objects.filter(order=card_order).count() == 1


def test_the_stores_page_offers_inspect_refund_and_dispute_after_receipt(client, cash_order):
    item = cash_order.items.order_by("id").first()
    request = return_request_create(order=cash_order, buyer=cash_order.buyer, lines={item.pk: 1}, reason="damaged")
    request = return_approve(request=request, actor=member(cash_order), method="drop_off")
    client.force_login(member(cash_order))
    page = client.get(f"/dashboard/returns/{request.pk}/").content.decode()
    assert "We have the items: refund" not in page and 'data-testid="receive"' in page

    client.post(f"/dashboard/returns/{request.pk}/receive/")
    request.refresh_from_db()
    assert request.status == S.RECEIVED and not Refund.objects.exists()
    page = client.get(f"/dashboard/returns/{request.pk}/").content.decode()
    assert 'data-testid="accept-refund"' in page and 'data-testid="dispute"' in page

    response = client.post(f"/dashboard/returns/{request.pk}/dispute/", {"note": ""}, follow=True)
    assert "Say what is wrong" in response.content.decode()
    client.post(f"/dashboard/returns/{request.pk}/dispute/", {"note": "The strap is cut"})
    request.refresh_from_db()
    assert request.status == S.DISPUTED and request.dispute_text == "The strap is cut"


def test_a_dispute_goes_to_staff_who_refund_or_reject(card_order, admin_client, django_capture_on_commit_callbacks):
    store_user = member(card_order)
    staff = UserFactory(is_staff=True)
    first = received_return(card_order)

    with pytest.raises(ReturnError, match="Say what is wrong"):
        services.return_dispute(request=first, actor=store_user, text="  ")
    first = services.return_dispute(request=first, actor=store_user, text="Scratched all over")

    assert first.status == S.DISPUTED and first.disputed_at is not None
    assert not Refund.objects.filter(order=card_order).exists()
    assert Notification.objects.filter(user=staff, kind="return", text__contains="Scratched all over").exists()
    assert Notification.objects.filter(user=card_order.buyer, text__contains="Scratched all over").exists()
    # The deadline does not overrule a dispute.
    assert services.returns_refund_overdue(now=timezone.now() + timedelta(days=60)) == 0

    page = admin_client.get(f"/admin/returns/returnrequest/{first.pk}/decide/")
    assert page.status_code == 200 and "Scratched all over" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the provider is asked after commit
        admin_client.post(
            f"/admin/returns/returnrequest/{first.pk}/decide/", {"decision": "refund", "note": "Scratches are wear"}
        )
    first.refresh_from_db()
    assert first.status == S.REFUNDED and first.dispute_decision == "refund"
    assert first.refund.status == Refund.Status.SUCCEEDED
    assert ReturnEvent.objects.filter(request=first, role="staff", note="Scratches are wear").exists()

    second = received_return(card_order)
    second = services.return_dispute(request=second, actor=store_user, text="Not our item")
    with pytest.raises(ReturnError, match="Only Soko staff"):
        services.return_dispute_decide(request=second, staff=store_user, refund=True, note="Mine")
    second = services.return_dispute_decide(request=second, staff=staff, refund=False, note="Serial number differs")
    assert second.status == S.REJECTED and second.reject_reason == "Serial number differs"
    assert not return_can_escalate(second), "a staff ruling is final"
    assert Refund.objects.filter(order=card_order).count() == 1 and balanced()


def test_the_inspection_deadline_refunds_an_untouched_return_once(card_order, settings):
    settings.SOKO_RETURN_INSPECTION_DAYS = 3
    request = received_return(card_order)
    assert services.returns_refund_overdue(now=timezone.now() + timedelta(days=2)) == 0
    assert ReturnRequest.objects.get(pk=request.pk).status == S.RECEIVED

    later = timezone.now() + timedelta(days=3, minutes=1)
    assert services.returns_refund_overdue(now=later) == 1
    assert services.returns_refund_overdue(now=later) == 0

    request.refresh_from_db()
    assert request.status == S.REFUNDED and Refund.objects.filter(order=card_order).count() == 1
    assert request.refund.requested_by is None
    event = request.events.get(to_status=S.REFUNDED)
    assert event.role == ReturnEvent.Role.SYSTEM and event.actor is None and "3 days" in event.note
    assert balanced()


def test_the_hourly_job_runs_the_deadline(card_order, settings):
    from returns.tasks import returns_refund_overdue_task

    request = received_return(card_order)
    ReturnRequest.objects.filter(pk=request.pk).update(
        received_at=timezone.now() - timedelta(days=settings.SOKO_RETURN_INSPECTION_DAYS, minutes=1)
    )
    returns_refund_overdue_task.call_local()
    assert ReturnRequest.objects.get(pk=request.pk).status == S.REFUNDED
