"""Complaints through their services and the deadline task: the full path to a refund (card
on the development gateway, and cash), the support refund limit, reminders that fire once
and escalate on a second lapse, automatic closing, and who may file what."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from shop.accounts.models import Standing
from shop.moderation.complaints.selectors import complaints_for_staff
from shop.moderation.complaints.services import (
    ComplaintError,
    complaint_close,
    complaint_deadlines_run,
    complaint_file,
    complaint_post,
    complaint_resolve,
    complaint_staff_reply,
)
from shop.moderation.models import AccountAction, Complaint, LogEntry
from shop.moderation.services.roles import SUPPORT
from shop.moderation.tasks import complaint_deadlines_task
from shop.notifications.models import Notification
from shop.payments.models import Refund
from tests.concurrency import at_once
from tests.factories import UserFactory
from tests.media.pictures import picture_bytes, upload
from tests.returns.conftest import balanced, delivered_order, member

pytestmark = pytest.mark.django_db
C = Complaint


@pytest.fixture
def cash_order(db):
    return delivered_order(method="cod")


@pytest.fixture
def card_order(db):
    return delivered_order(method="card")


def support(**perms):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT))
    for codename in perms.get("extra", ()):
        user.user_permissions.add(Permission.objects.get(content_type__app_label="moderation", codename=codename))
    return user


def file(order, *, kind=C.Kind.NOT_AS_DESCRIBED, text="The dress is blue, not red", photos=()):
    return complaint_file(user=order.buyer, side=C.Side.BUYER, kind=kind, text=text, photos=photos, order=order)


def notes(user):
    return list(Notification.objects.filter(user=user, kind="complaint").values_list("text", flat=True))


def logged(complaint, action):
    return LogEntry.objects.filter(target_id=complaint.pk, action=action, target_type__model="complaint").count()


def test_the_full_path_to_a_card_refund_then_closing_by_itself(settings, django_capture_on_commit_callbacks):
    order = delivered_order(method="card")
    store_user, staff = member(order), support()
    first = order.items.order_by("id").first()

    complaint = file(order, photos=[upload("dress.jpg", picture_bytes())])
    assert complaint.number.startswith("CP-") and complaint.status == C.Status.OPEN
    assert complaint.messages.get().photos.count() == 1
    assert any(complaint.number in text for text in notes(store_user))  # the store hears of it
    assert any(complaint.number in text for text in notes(staff))  # and staff who settle complaints

    before = timezone.now()
    complaint_staff_reply(complaint=complaint, staff=staff, text="Store: what colour did you send?", ask=C.Side.STORE)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.waiting_for) == (C.Status.AWAITING_REPLY, C.Side.STORE)
    assert complaint.reply_due_at >= before + timedelta(days=settings.SOKO_COMPLAINT_REPLY_DAYS)
    assert any("by" in text for text in notes(store_user) if "need your answer" in text)

    complaint_post(
        complaint=complaint,
        user=store_user,
        text="We sent the red one",
        photos=[upload("r.png", picture_bytes("PNG"), "image/png")],
    )
    complaint.refresh_from_db()
    assert (complaint.status, complaint.waiting_for, complaint.reply_due_at) == (C.Status.OPEN, "", None)
    assert [m.side for m in complaint.messages.all()] == ["buyer", "staff", "store"]

    with django_capture_on_commit_callbacks(execute=True):  # the card is refunded after commit
        complaint = complaint_resolve(
            complaint=complaint, staff=staff, resolution=C.Resolution.REFUND, note="Refunded one dress", lines={first.pk: 1}
        )
    assert complaint.status == C.Status.RESOLVED and complaint.resolved_by == staff
    refund = complaint.refund
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and refund.reference.startswith("re_")
    assert refund.amount_minor == 25000 and refund.lines == {str(first.pk): 1}
    assert refund.idempotency_key == f"complaint:{complaint.pk}"
    assert balanced()
    for party in (order.buyer, store_user):
        assert any("is resolved" in text and "Refunded one dress" in text for text in notes(party))
    assert logged(complaint, LogEntry.Action.COMPLAINT_REPLY) == 1
    assert logged(complaint, LogEntry.Action.COMPLAINT_RESOLVED) == 1

    # Not yet: closing waits for the close delay.
    assert complaint_deadlines_run()["closed"] == 0
    later = complaint.resolved_at + timedelta(days=settings.SOKO_COMPLAINT_CLOSE_DAYS, minutes=1)
    assert complaint_deadlines_run(now=later) == {"reminded": 0, "escalated": 0, "closed": 1}
    assert complaint_deadlines_run(now=later)["closed"] == 0
    complaint.refresh_from_db()
    assert complaint.status == C.Status.CLOSED and complaint.closed_at == later
    assert logged(complaint, LogEntry.Action.COMPLAINT_CLOSED) == 1
    assert LogEntry.objects.get(target_id=complaint.pk, action=LogEntry.Action.COMPLAINT_CLOSED).actor is None
    for party in (order.buyer, store_user):
        assert sum("is closed" in text for text in notes(party)) == 1
    with pytest.raises(ComplaintError, match="closed"):
        complaint_post(complaint=complaint, user=order.buyer, text="One more thing")


def test_a_cash_refund_is_recorded_for_the_store_to_hand_back(cash_order):
    staff = support()
    complaint = file(cash_order, kind=C.Kind.NOT_RECEIVED, text="Half the order never came")
    second = cash_order.items.order_by("id").last()
    complaint = complaint_resolve(
        complaint=complaint,
        staff=staff,
        resolution=C.Resolution.REFUND,
        note="Store refunds",
        lines={second.pk: 3},
        delivery=True,
    )
    assert complaint.refund.provider == "cash" and complaint.refund.status == Refund.Status.MANUAL
    assert complaint.refund.amount_minor == 30000 + 20000
    assert balanced()
    # Asking again refunds nothing more: the complaint is settled.
    with pytest.raises(ComplaintError, match="already settled"):
        complaint_resolve(
            complaint=complaint, staff=staff, resolution=C.Resolution.REFUND, note="Again", lines={second.pk: 3}
        )
    assert Refund.objects.count() == 1


def test_support_cannot_refund_over_the_limit_without_the_permission(card_order, settings):
    settings.SOKO_SUPPORT_REFUND_LIMIT = {"KES": Decimal("300")}
    first = card_order.items.order_by("id").first()
    complaint = file(card_order)
    with pytest.raises(ComplaintError, match="over KES 300"):
        complaint_resolve(complaint=complaint, staff=support(), resolution="refund", note="Both", lines={first.pk: 2})
    assert Refund.objects.count() == 0 and Complaint.objects.get().status == C.Status.OPEN
    assert logged(complaint, LogEntry.Action.COMPLAINT_RESOLVED) == 0
    # Within the limit support may; over it, someone holding refund_over_limit may.
    boss = support(extra=["refund_over_limit"])
    complaint = complaint_resolve(
        complaint=complaint, staff=boss, resolution="refund", note="Both", lines={first.pk: 2}
    )
    assert complaint.refund.amount_minor == 50000


def test_staff_without_the_permission_and_strangers_are_refused(cash_order):
    complaint = file(cash_order)
    with pytest.raises(ComplaintError, match="Only Soko staff"):
        complaint_staff_reply(complaint=complaint, staff=UserFactory(is_staff=True), text="Hi", ask="store")
    with pytest.raises(ComplaintError, match="Only Soko staff"):
        complaint_resolve(complaint=complaint, staff=UserFactory(is_staff=True), resolution="no_action", note="x")
    with pytest.raises(ComplaintError, match="Only the buyer and the store"):
        complaint_post(complaint=complaint, user=UserFactory(), text="Me too")
    with pytest.raises(ComplaintError, match="Only the buyer and the store"):
        complaint_file(user=UserFactory(), side="buyer", kind="abuse", text="x", order=cash_order)


def test_one_open_complaint_per_order_per_filer_and_kinds_per_side(cash_order):
    file(cash_order)
    with pytest.raises(ComplaintError, match="already have an open complaint"):
        file(cash_order, kind=C.Kind.ABUSE)
    with pytest.raises(ComplaintError, match="what went wrong"):
        file(cash_order, kind=C.Kind.NON_PAYMENT)  # only a store complains of non-payment
    with pytest.raises(ComplaintError, match="Write what happened"):
        complaint_file(user=member(cash_order), side="store", kind="non_payment", text="  ", order=cash_order)
    with pytest.raises(ComplaintError, match="at most 4"):
        complaint_file(
            user=member(cash_order), side="store", kind="abuse", text="Rude", order=cash_order,
            photos=[upload(f"{n}.jpg", picture_bytes()) for n in range(5)],
        )  # fmt: skip
    # The store may file its own about the same order.
    store_complaint = complaint_file(
        user=member(cash_order), side="store", kind="abuse", text="Rude calls", order=cash_order
    )
    assert store_complaint.filed_as == "store" and store_complaint.buyer == cash_order.buyer
    assert Complaint.objects.count() == 2


def test_a_deadline_reminds_once_then_escalates_to_staff_and_staff_see_it_first(cash_order, settings):
    staff = support()
    quiet = file(cash_order)
    other = file(delivered_order(method="cod"))
    complaint_staff_reply(complaint=quiet, staff=staff, text="Buyer, a photo please?", ask=C.Side.BUYER)
    quiet.refresh_from_db()
    assert complaint_deadlines_run() == {"reminded": 0, "escalated": 0, "closed": 0}

    lapse = quiet.reply_due_at + timedelta(minutes=1)
    assert complaint_deadlines_task.call_local() == {"reminded": 0, "escalated": 0, "closed": 0}  # not due yet
    assert complaint_deadlines_run(now=lapse)["reminded"] == 1
    assert complaint_deadlines_run(now=lapse) == {"reminded": 0, "escalated": 0, "closed": 0}  # twice: once
    quiet.refresh_from_db()
    assert quiet.reminded_at == lapse and quiet.status == C.Status.AWAITING_REPLY
    assert quiet.reply_due_at == lapse + timedelta(days=settings.SOKO_COMPLAINT_REPLY_DAYS)
    assert sum(text.startswith("Reminder") for text in notes(cash_order.buyer)) == 1
    assert sum("reminded once" in text for text in notes(staff)) == 1
    assert not any(text.startswith("Reminder") for text in notes(member(cash_order)))

    second = quiet.reply_due_at + timedelta(minutes=1)
    assert complaint_deadlines_run(now=second)["escalated"] == 1
    assert complaint_deadlines_run(now=second)["escalated"] == 0
    quiet.refresh_from_db()
    assert (quiet.status, quiet.waiting_for, quiet.reply_due_at) == (C.Status.OPEN, C.Side.STAFF, None)
    assert sum("two deadlines" in text for text in notes(staff)) == 1
    # Each automatic step is in the moderation log once, in Soko's name.
    logged = LogEntry.objects.filter(target_id=quiet.pk, action__in=["complaint_reminded", "complaint_escalated"])
    assert sorted(logged.values_list("action", "actor")) == [("complaint_escalated", None), ("complaint_reminded", None)]
    # Escalated first, though filed before the other one too; then the others oldest first.
    assert list(complaints_for_staff()) == [quiet, other]
    newer = file(delivered_order(method="cod"))
    assert list(complaints_for_staff())[0] == quiet and list(complaints_for_staff())[-1] == newer

    # Staff taking it up clears the mark.
    complaint_staff_reply(complaint=quiet, staff=staff, text="Closing in on it")
    quiet.refresh_from_db()
    assert quiet.waiting_for == ""


def test_the_awaited_party_answering_clears_the_deadline_and_the_other_does_not(cash_order):
    complaint = file(cash_order)
    complaint_staff_reply(complaint=complaint, staff=support(), text="Store?", ask=C.Side.STORE)
    complaint_post(complaint=complaint, user=cash_order.buyer, text="Still waiting")
    complaint.refresh_from_db()
    assert complaint.status == C.Status.AWAITING_REPLY and complaint.reply_due_at is not None
    complaint_post(complaint=complaint, user=member(cash_order), text="Here")
    complaint.refresh_from_db()
    assert complaint.status == C.Status.OPEN and complaint.reply_due_at is None
    assert complaint_deadlines_run(now=timezone.now() + timedelta(days=30))["reminded"] == 0


def test_a_warning_goes_to_the_store_owner_and_a_suspension_to_the_buyer_complained_about(cash_order):
    staff = support()
    owner = member(cash_order)
    by_buyer = file(cash_order, kind=C.Kind.ABUSE, text="Insulted me")
    complaint_resolve(complaint=by_buyer, staff=staff, resolution=C.Resolution.WARNING, note="Be polite")
    action = AccountAction.objects.get(user=owner)
    assert action.kind == "warn" and by_buyer.number in action.reason
    by_store = complaint_file(user=owner, side="store", kind="abuse", text="Threats", order=cash_order)
    complaint_resolve(
        complaint=by_store, staff=staff, resolution=C.Resolution.SUSPENSION, note="Threats", suspend_days=3
    )
    buyer = type(cash_order.buyer).objects.get(pk=cash_order.buyer_id)
    assert buyer.standing == Standing.SUSPENDED and buyer.suspended_until > timezone.now() + timedelta(days=2)
    assert LogEntry.objects.filter(action=LogEntry.Action.SUSPEND, target_id=buyer.pk).count() == 1
    assert LogEntry.objects.filter(action=LogEntry.Action.COMPLAINT_RESOLVED).count() == 2


def test_staff_close_a_resolved_complaint_once(cash_order):
    staff = support()
    complaint = file(cash_order)
    with pytest.raises(ComplaintError, match="Only a resolved"):
        complaint_close(complaint=complaint, staff=staff)
    complaint_resolve(complaint=complaint, staff=staff, resolution="no_action", note="Nothing wrong")
    assert complaint_close(complaint=complaint, staff=staff)
    with pytest.raises(ComplaintError, match="Only a resolved"):
        complaint_close(complaint=complaint, staff=staff)
    assert logged(complaint, LogEntry.Action.COMPLAINT_CLOSED) == 1


def test_a_winner_complains_about_an_auction_and_the_store_about_its_winner():
    from shop.auctions.models import Auction
    from tests.factories.auctions import live_auction

    auction = live_auction()
    winner = UserFactory()
    Auction.objects.filter(pk=auction.pk).update(status=Auction.Status.ENDED, winner=winner)
    auction.refresh_from_db()
    complaint = complaint_file(user=winner, side="buyer", kind="not_received", text="Never shipped", auction=auction)
    assert (complaint.auction, complaint.order, complaint.buyer) == (auction, None, winner)
    seller = auction.store.memberships.get().user
    by_store = complaint_file(user=seller, side="store", kind="non_payment", text="Never paid", auction=auction)
    assert by_store.buyer == winner
    with pytest.raises(ComplaintError, match="already have an open"):
        complaint_file(user=winner, side="buyer", kind="abuse", text="Again", auction=auction)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workers_racing_on_a_lapsed_deadline_remind_once():
    order = delivered_order(method="cod")
    complaint = file(order)
    complaint_staff_reply(complaint=complaint, staff=support(), text="Buyer?", ask=C.Side.BUYER)
    complaint.refresh_from_db()
    lapse = complaint.reply_due_at + timedelta(minutes=1)

    results = at_once([lambda: complaint_deadlines_run(now=lapse)] * 6)

    assert all(isinstance(result, dict) for result in results), results
    assert sum(result["reminded"] for result in results) == 1
    assert sum(result["escalated"] for result in results) == 0
    assert sum(text.startswith("Reminder") for text in notes(order.buyer)) == 1
