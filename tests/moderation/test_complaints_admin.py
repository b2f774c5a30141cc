"""Complaints in the admin: escalated ones at the top of the list, the thread with its
pictures on the complaint's page, and the staff forms (write and ask, resolve with a refund,
close), each logged once; 403 without ``moderation.resolve_complaint``; the support
refund limit refused with a message."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission

from shop.moderation.complaints.services import complaint_deadlines_run, complaint_file, complaint_staff_reply
from shop.moderation.models import Complaint, LogEntry
from shop.moderation.services.roles import SUPPORT
from shop.payments.models import Refund
from tests.factories import UserFactory
from tests.media.pictures import picture_bytes, upload
from tests.returns.conftest import delivered_order

pytestmark = pytest.mark.django_db
C = Complaint


def support():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    return user


def file(order, **extra):
    return complaint_file(
        user=order.buyer, side="buyer", kind="not_as_described", text="Wrong size", order=order, **extra
    )


def logged(complaint, action) -> int:
    return LogEntry.objects.filter(target_type__model="complaint", target_id=complaint.pk, action=action).count()


def test_staff_ask_resolve_with_a_refund_and_close_from_the_complaint_page(client, django_capture_on_commit_callbacks):
    order = delivered_order(method="card")
    complaint = file(order, photos=[upload("a.jpg", picture_bytes())])
    staff = support()
    client.force_login(staff)
    url = f"/admin/moderation/complaint/{complaint.pk}/"
    page = client.get(f"{url}change/").content.decode()
    assert (
        "Wrong size" in page and 'data-testid="staff-reply-form"' in page and 'data-testid="staff-resolve-form"' in page
    )
    assert "complaint-admin-photos" in page

    client.post(f"{url}reply/", {"text": "Store, your side?", "ask": "store"})
    complaint.refresh_from_db()
    assert (complaint.status, complaint.waiting_for) == (C.Status.AWAITING_REPLY, "store")
    assert logged(complaint, LogEntry.Action.COMPLAINT_REPLY) == 1

    first = order.items.order_by("id").first()
    refused = client.post(f"{url}resolve/", {"resolution": "refund", "note": "", f"qty-{first.pk}": "1"}, follow=True)
    assert refused.status_code == 422 and Refund.objects.count() == 0
    bad = client.post(f"{url}resolve/", {"resolution": "refund", "note": "x", f"qty-{first.pk}": "١"}, follow=True)
    assert "whole number" in bad.content.decode() and Refund.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):  # the card is refunded after commit
        client.post(f"{url}resolve/", {"resolution": "refund", "note": "One refunded", f"qty-{first.pk}": "1"})
    complaint.refresh_from_db()
    assert complaint.status == C.Status.RESOLVED and complaint.refund.status == Refund.Status.SUCCEEDED
    assert complaint.refund.amount_minor == 25000
    page = client.get(f"{url}change/").content.decode()
    assert 'data-testid="staff-close-form"' in page and 'data-testid="moderation-log"' in page

    client.post(f"{url}close/")
    client.post(f"{url}close/")  # a second click closes nothing more
    complaint.refresh_from_db()
    assert complaint.status == C.Status.CLOSED
    assert logged(complaint, LogEntry.Action.COMPLAINT_RESOLVED) == 1
    assert logged(complaint, LogEntry.Action.COMPLAINT_CLOSED) == 1
    assert complaint_deadlines_run(now=complaint.resolved_at + timedelta(days=30))["closed"] == 0


def test_staff_without_the_permission_get_403_on_every_form(client):
    order = delivered_order(method="cod")
    complaint = file(order)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="moderation", codename="view_complaint"))
    client.force_login(viewer)
    url = f"/admin/moderation/complaint/{complaint.pk}/"
    page = client.get(f"{url}change/")
    assert page.status_code == 200 and 'data-testid="staff-reply-form"' not in page.content.decode()
    for action, data in (
        ("reply", {"text": "x"}),
        ("resolve", {"resolution": "no_action", "note": "x"}),
        ("close", {}),
    ):
        assert client.post(f"{url}{action}/", data).status_code == 403, action
    complaint.refresh_from_db()
    assert complaint.status == C.Status.OPEN and complaint.messages.count() == 1
    assert not LogEntry.objects.filter(target_type__model="complaint").exists()
    client.force_login(UserFactory(is_staff=True))
    assert client.get("/admin/moderation/complaint/").status_code == 403


def test_a_refund_over_the_support_limit_is_refused_with_a_message(client, settings):
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("100")}
    order = delivered_order(method="cod")
    complaint = file(order)
    client.force_login(support())
    first = order.items.order_by("id").first()
    answer = client.post(
        f"/admin/moderation/complaint/{complaint.pk}/resolve/",
        {"resolution": "refund", "note": "Refund", f"qty-{first.pk}": "1"},
        follow=True,
    )
    assert "need a colleague allowed to refund more" in answer.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == C.Status.OPEN and Refund.objects.count() == 0


def test_the_list_shows_escalated_complaints_first(client):
    staff = support()
    older = file(delivered_order(method="cod"))
    escalated = file(delivered_order(method="cod"))
    complaint_staff_reply(complaint=escalated, staff=staff, text="Buyer?", ask="buyer")
    escalated.refresh_from_db()
    first = escalated.reply_due_at + timedelta(minutes=1)
    complaint_deadlines_run(now=first)
    escalated.refresh_from_db()
    complaint_deadlines_run(now=escalated.reply_due_at + timedelta(minutes=1))
    escalated.refresh_from_db()
    assert escalated.waiting_for == C.Side.STAFF
    client.force_login(staff)
    listing = client.get("/admin/moderation/complaint/").content.decode()
    assert listing.index(escalated.number) < listing.index(older.number)
    assert "Staff (escalated)" in listing
    page = client.get(f"/admin/moderation/complaint/{escalated.pk}/change/").content.decode()
    assert 'data-testid="complaint-escalated"' in page
