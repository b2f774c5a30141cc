"""Things waiting for staff, built directly: one of each kind the staff queue lists."""

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from returns.models import ReturnRequest, ReturnStatus
from shop.auctions.models import BiddingBlock, PaymentViolation
from shop.catalog.models import Product
from shop.moderation.models import AccountAction, Appeal, Case, Complaint, Report
from shop.payments.models import PaymentFlag
from tests.factories import UserFactory
from tests.factories.auctions import ended, live_auction
from tests.factories.catalog import ProductFactory
from tests.factories.orders import OrderFactory


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def backdate(obj, when, field="created_at"):
    type(obj).objects.filter(pk=obj.pk).update(**{field: when})
    setattr(obj, field, when)
    return obj


def staff_with(*perms, **fields):
    """A staff member holding exactly ``perms`` ("app_label.codename")."""
    user = UserFactory(is_staff=True, **fields)
    for perm in perms:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def pending_product(*, age=None):
    product = ProductFactory(status=Product.Status.PENDING, published_at=None)
    return backdate(product, ago(**age)) if age else product


def case_on(target, *, reporters=2, status=Case.Status.OPEN, age=None):
    case = Case.objects.create(
        target_type=ContentType.objects.get_for_model(target), target_id=target.pk, target_label=str(target),
        status=status, open_reporters=reporters, last_reported_at=timezone.now(),
    )
    for _ in range(reporters):
        Report.objects.create(case=case, reporter=UserFactory(), reason=Report.Reason.SCAM, text="Fake")
    return backdate(case, ago(**age)) if age else case


_numbers = iter(range(1, 10**6))


def complaint(*, overdue=False, waiting_for=Complaint.Side.STAFF, status=Complaint.Status.OPEN, age=None):
    order = OrderFactory()
    made = Complaint.objects.create(
        number=f"C-T{next(_numbers):05d}", kind=Complaint.Kind.NOT_RECEIVED, filed_by=order.buyer,
        filed_as=Complaint.Side.BUYER, order=order, store=order.store, buyer=order.buyer, status=status,
        waiting_for=waiting_for, reply_due_at=ago(hours=2) if overdue else timezone.now() + timedelta(days=2),
    )
    return backdate(made, ago(**age)) if age else made


def escalated_return(*, age=None):
    order = OrderFactory()
    made = ReturnRequest.objects.create(
        order=order, buyer=order.buyer, store=order.store, status=ReturnStatus.ESCALATED, reason="damaged",
        escalation_text="It arrived broken", reject_reason="Worn", escalated_at=ago(**(age or {"minutes": 1})),
    )
    return made


def payment_flag(*, age=None):
    flag = PaymentFlag.objects.create(kind=PaymentFlag.Kind.MISMATCH, detail="Paid KES 900 for KES 1,000")
    return backdate(flag, ago(**age)) if age else flag


def non_paying_bidder(*, violations=1, age=None):
    buyer = UserFactory()
    for _ in range(violations):
        auction = ended(live_auction())
        PaymentViolation.objects.create(buyer=buyer, auction=auction, order=OrderFactory(buyer=buyer))
    block = BiddingBlock.objects.create(user=buyer, reason="3 won auctions not paid.")
    return backdate(block, ago(**age)) if age else block


def appeal(*, age=None):
    user = UserFactory()
    action = AccountAction.objects.create(user=user, kind=AccountAction.Kind.WARN, reason="Rude messages")
    made = Appeal.objects.create(action=action, user=user, text="It was a misunderstanding.")
    return backdate(made, ago(**age)) if age else made


def one_of_each():
    """One item of every kind, oldest first in this order, so that only urgency reorders them."""
    return {
        "product": pending_product(age={"days": 9}),
        "bidder": non_paying_bidder(age={"days": 8}),
        "appeal": appeal(age={"days": 7}),
        "case": case_on(ProductFactory(), age={"days": 6}),
        "complaint_party": complaint(status=Complaint.Status.AWAITING_REPLY, waiting_for=Complaint.Side.STORE, age={"days": 5}),
        "flag": payment_flag(age={"days": 4}),
        "return": escalated_return(age={"days": 3}),
        "complaint_staff": complaint(age={"days": 2}),
        "takedown": case_on(ProductFactory(), status=Case.Status.TAKEN_DOWN, reporters=10, age={"days": 1}),
        "complaint_overdue": complaint(overdue=True, waiting_for=Complaint.Side.BUYER, status=Complaint.Status.AWAITING_REPLY, age={"hours": 5}),
    }
