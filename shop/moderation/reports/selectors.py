"""Reads for reports: what a signed-in person may report, who answers for a target, and
their own reports. Anything a person may not see is ``NotFound`` (a 404), so a report page
never tells a stranger that a hidden review or someone else's message exists."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from sellers.models import Store, StoreMember
from shop.auctions.models import Auction
from shop.auctions.selectors.auctions import auction_get_public
from shop.catalog.models import Product
from shop.chat.models import Conversation, Message
from shop.chat.selectors import side_of
from shop.core.errors import NotFound
from shop.orders.models import Order, OrderStatus
from shop.orders.selectors.orders import account_links
from shop.reviews.models import Review

from ..models import REPORTABLE, Report, Takedown
from .trust import ReporterRecord, reporter_weight

# The word in the report address (/report/<kind>/<id>/) for each reportable model.
KINDS = {
    "product": "catalog.product",
    "store": "sellers.store",
    "user": "accounts.user",
    "review": "reviews.review",
    "message": "chat.message",
    "auction": "auctions.auction",
}
KIND_OF_LABEL = {label: kind for kind, label in KINDS.items()}
DECIDE_PERM = "moderation.decide_case"


def kind_of(target) -> str | None:
    """The address word of ``target``'s model, or None when it cannot be reported."""
    return KIND_OF_LABEL.get(target._meta.label_lower)


def kind_word(target):
    return REPORTABLE.get(target._meta.label_lower, "")


def content_type_of(target) -> ContentType:
    return ContentType.objects.get_for_model(target, for_concrete_model=False)


def _shares_a_conversation(user, other) -> bool:
    """Whether ``user`` and ``other`` talk in one conversation (the only place a person's
    name shows besides the stores they belong to)."""
    their_stores = StoreMember.objects.filter(user=other).values("store_id")
    my_stores = StoreMember.objects.filter(user=user).values("store_id")
    return Conversation.objects.filter(
        Q(buyer=user, store_id__in=their_stores)
        | Q(buyer=other, store_id__in=my_stores)
        | Q(buyer=user, courier=other)
        | Q(buyer=other, courier=user)
    ).exists()


def reportable_for_user(*, kind: str, pk, user):
    """The target ``user`` may report at /report/<kind>/<pk>/; NotFound when it does not
    exist or they may not see it."""
    if kind not in KINDS or not isinstance(pk, int) or not user.is_authenticated:
        raise NotFound()
    if kind == "product":
        target = Product.objects.visible().select_related("store").filter(pk=pk).first()
    elif kind == "store":
        target = Store.objects.filter(pk=pk).first()
    elif kind == "auction":
        target = auction_get_public(auction_id=pk)
    elif kind == "review":
        target = Review.objects.select_related("product", "store").filter(pk=pk, hidden_at__isnull=True).first()
    elif kind == "message":
        target = (
            Message.objects.select_related("conversation", "sender")
            .filter(pk=pk, hidden_at__isnull=True)
            .exclude(kind=Message.Kind.SYSTEM)
            .first()
        )
        if target is not None and side_of(conversation=target.conversation, user=user) is None:
            target = None
    else:
        target = get_user_model().objects.filter(pk=pk, is_active=True).first()
        if target is not None and target.pk != user.pk and not _shares_a_conversation(user, target):
            target = None
    if target is None:
        raise NotFound()
    return target


def _pages_of(target) -> set[str]:
    """The paths of the pages that exist only while ``target`` is shown: a product's page and
    its auctions' pages (hiding one hides the other)."""
    label = target._meta.label_lower
    if label not in ("catalog.product", "auctions.auction"):
        return set()  # a review, a message or a user is shown on a page that outlives it
    product = target if label == "catalog.product" else target.product
    auctions = Auction.objects.filter(product_id=product.pk).values_list("pk", flat=True)
    return {reverse("catalog:product", args=[product.slug])} | {reverse("auctions:detail", args=[pk]) for pk in auctions}


def report_landing(*, kind: str, target, user, back: str) -> tuple[str, bool]:
    """Where ``user`` goes after reporting ``target`` from ``back`` (a safe local address, or
    ""), and whether their report left it hidden: ``back``, unless it is a page that hiding
    took away (then their reports, which exist whatever is hidden)."""
    try:
        reportable_for_user(kind=kind, pk=target.pk, user=user)
    except NotFound:
        hidden = True
    else:
        hidden = False
    if not back or (hidden and urlsplit(back).path in _pages_of(target)):
        return reverse("moderation:reports"), hidden
    return back, hidden


def _store_owner(store_id):
    membership = (
        StoreMember.objects.select_related("user")
        .filter(store_id=store_id)
        # "owner" sorts before "staff": the owner, else the longest-standing member.
        .order_by("role", "created_at", "pk")
        .first()
    )
    return membership.user if membership else None


def target_owner(target):
    """The person answerable for ``target``: the store's owner, the author, the sender, the
    user themself."""
    label = target._meta.label_lower
    if label == "catalog.product" or label == "auctions.auction":
        return _store_owner(target.store_id)
    if label == "sellers.store":
        return _store_owner(target.pk)
    if label == "reviews.review":
        return target.author
    if label == "chat.message":
        return target.sender
    return target


def target_label(target) -> str:
    label = target._meta.label_lower
    if label == "accounts.user":
        return target.short_name[:200]
    if label == "chat.message":
        return (target.text or target.get_kind_display())[:200]
    if label == "reviews.review":
        about = target.product or target.store
        return f"{target.stars}★ {target.author_name} · {about}"[:200]
    if label == "auctions.auction":
        return str(target.product)[:200]
    return str(target)[:200]


def user_answers_for(*, user, target) -> bool:
    """``user`` wrote, sent, sells or is ``target``: they cannot report it."""
    label = target._meta.label_lower
    if label in ("catalog.product", "auctions.auction"):
        return StoreMember.objects.filter(store_id=target.store_id, user=user).exists()
    if label == "sellers.store":
        return StoreMember.objects.filter(store_id=target.pk, user=user).exists()
    if label == "reviews.review":
        return target.author_id == user.pk
    if label == "chat.message":
        return target.sender_id == user.pk or side_of(conversation=target.conversation, user=user) == target.side
    return target.pk == user.pk


# Orders that reached the buyer: a verified purchase.
DELIVERED = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def target_store_id(target) -> int | None:
    """The store ``target`` belongs to or is about (None for an account)."""
    label = target._meta.label_lower
    if label in ("catalog.product", "auctions.auction", "reviews.review"):
        return target.store_id
    if label == "sellers.store":
        return target.pk
    if label == "chat.message":
        return target.conversation.store_id
    return None


def reporter_record(*, reporter, target) -> ReporterRecord:
    """The facts the trust rule weighs for ``reporter`` reporting ``target`` (two queries)."""
    store_id = target_store_id(target)
    # An account's store_id is None: no order matches it.
    orders = Order.objects.filter(buyer=reporter, status__in=DELIVERED).aggregate(
        anywhere=Count("pk"), here=Count("pk", filter=Q(store_id=store_id))
    )
    tally = Report.objects.filter(reporter=reporter).aggregate(
        rejected=Count("pk", filter=Q(status=Report.Status.REJECTED)),
        upheld=Count("pk", filter=Q(status=Report.Status.UPHELD)),
    )
    return ReporterRecord(
        joined_at=reporter.date_joined,
        bought_from_target=orders["here"] > 0,
        bought_anywhere=orders["anywhere"] > 0,
        upheld=tally["upheld"],
        rejected=tally["rejected"],
    )


def reporter_weight_for(*, reporter, target) -> int:
    """``trust.reporter_weight`` with the facts read and the settings' thresholds."""
    return reporter_weight(
        reporter_record(reporter=reporter, target=target),
        now=timezone.now(),
        trust_age=timedelta(days=settings.SOKO_REPORT_TRUST_AGE_DAYS),
        rejected_min=settings.SOKO_REPORT_REJECTED_MIN,
    )


def reporter_links(*, user_ids) -> dict[int, set[str]]:
    """What links each of ``user_ids`` to others (``shop.orders.selectors.orders.account_links``)."""
    return account_links(user_ids=user_ids)


def taken_down_automatically(target) -> bool:
    """Whether reports alone may hide ``target``: never a store or an account (their every
    listing, order and bid would stop), nor an auction with bids or a product with one
    (hiding it cancels the auction); those wait for staff at the top of the queue."""
    label = target._meta.label_lower
    if label in ("sellers.store", "accounts.user"):
        return False
    if label in ("catalog.product", "auctions.auction"):
        product_id = target.pk if label == "catalog.product" else target.product_id
        return not Auction.objects.filter(product_id=product_id, status__in=Auction.OPEN, bid_count__gt=0).exists()
    return True


def takedown_in_force(*, target_type, target_id) -> Takedown | None:
    return Takedown.objects.filter(target_type=target_type, target_id=target_id, reversed_at__isnull=True).first()


def reports_of_user(*, user) -> QuerySet[Report]:
    """``user``'s own reports, newest first, with what the page shows (one query)."""
    return Report.objects.filter(reporter=user).select_related("case", "case__target_type").order_by("-created_at", "-id")


def moderators():
    """Active staff who decide cases (told of every automatic take-down): superusers and
    whoever holds ``moderation.decide_case`` directly or through a group."""
    app_label, codename = DECIDE_PERM.split(".")
    perm = Q(content_type__app_label=app_label, codename=codename)
    holds = Permission.objects.filter(perm)
    return (
        get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=holds) | Q(groups__permissions__in=holds))
        .distinct()
        .order_by("id")[:50]
    )
