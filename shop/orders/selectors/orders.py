"""Reading orders. ``*_for_buyer`` / ``*_for_member`` fetch *and* authorize: someone
else's order number is a 404, never a peek."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.accounts.models import Address
from shop.core.errors import NotFound
from shop.core.search import search_text
from shop.payments.models import CreditNote, Invoice, PaymentAttempt

from ..models import Checkout, Order, OrderEvent, OrderItem, OrderStatus
from .handover import handover_code_reveal, handover_state
from .transitions import NOTE_EDITABLE, TERMINAL, Role, action_label, moves_for, status_label, steps_ahead

S = OrderStatus

PACKAGE_TOKEN_SALT = "soko.orders.package"

STATUS_TABS = [("", gettext_lazy("All"))] + [(value, label) for value, label in OrderStatus.choices]


def _detail_queryset() -> QuerySet[Order]:
    return Order.objects.select_related(
        "store", "checkout", "buyer", "handover_code", "invoice", "delivery_job__courier__courier_profile"
    ).prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.order_by("id")),
        Prefetch("events", queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


def order_with_details(*, pk: int) -> Order:
    """An order with everything its pages show, for services that already authorized."""
    return _detail_queryset().get(pk=pk)


def order_get_for_buyer(*, user, number: str) -> Order:
    """The buyer's own order with everything its page shows; 404 for anyone else's."""
    order = _detail_queryset().filter(number=number, buyer=user).first() if user.is_authenticated else None
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_get_for_invoice_reader(*, user, number: str) -> Order:
    """The order with its invoice, for its buyer, a member of its store, or staff; anyone
    else's order number is a 404, the same as no such order."""
    if not user.is_authenticated:
        raise NotFound(_("No such order."))
    orders = Order.objects.select_related("invoice").filter(number=number)
    if not user.is_staff:
        orders = orders.filter(Q(buyer=user) | Q(store__memberships__user=user))
    order = orders.first()
    if order is None:
        raise NotFound(_("No such order."))
    return order


def order_invoice_for_reader(*, user, number: str) -> Invoice:
    """The order's issued invoice (its PDF written), under ``order_get_for_invoice_reader``'s
    rule; ``NotFound`` until orders are invoiced (once paid)."""
    order = order_get_for_invoice_reader(user=user, number=number)
    if not order.invoice_ready:
        raise NotFound(_("The invoice of this order is not issued yet: orders are invoiced once paid."))
    return order.invoice


def order_credit_note_for_reader(*, user, number: str, note: str | None = None, pk: int | None = None) -> CreditNote:
    """A credit note of the order (by its number, or its id) whose PDF is written, under
    the invoice's rule: anyone else gets ``NotFound``."""
    order = order_get_for_invoice_reader(user=user, number=number)
    lookup = {"number": note} if note is not None else {"pk": pk}
    credit_note = CreditNote.objects.filter(refund__order=order, **lookup).exclude(pdf="").first()
    if credit_note is None:
        raise NotFound(_("No such credit note for this order (yet)."))
    return credit_note


def checkout_get_for_buyer(*, user, reference) -> Checkout:
    """The buyer's own checkout (found by its unguessable reference, the form's idempotency
    key) with its orders, their stores, items and handover codes, in the same number of
    queries for one store as for several. ``NotFound`` for anyone else's."""
    orders = (
        Order.objects.select_related("store__area__parent", "handover_code")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
        .order_by("id")
    )
    checkout = (
        Checkout.objects.prefetch_related(Prefetch("orders", queryset=orders))
        .filter(buyer=user, idempotency_key=reference)
        .first()
        if user.is_authenticated
        else None
    )
    if checkout is None:
        raise NotFound(_("No such checkout."))
    return checkout


def order_get_for_member(*, user, number: str) -> Order:
    """An order of a store this user works for; 404 for other stores' orders."""
    order = (
        _detail_queryset().filter(number=number, store__memberships__user=user).first()
        if user.is_authenticated
        else None
    )
    if order is None:
        raise NotFound(_("No such order in your store."))
    return order


def _with_list_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    return (
        orders.select_related("store", "buyer", "checkout")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
        .order_by("-created_at", "-id")
    )


def _buyer_orders(*, user) -> QuerySet[Order]:
    return Order.objects.filter(buyer=user)


def _store_orders(*, store, query: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(store=store)
    query = search_text(query)
    if query:
        orders = orders.filter(
            Q(number__icontains=query)
            | Q(buyer__email__icontains=query)
            | Q(buyer__display_name__icontains=query)
            | Q(checkout__recipient__icontains=query)
            | Q(checkout__phone__icontains=query)
        )
    return orders


def orders_for_buyer(*, user, status: str = "") -> QuerySet[Order]:
    orders = _buyer_orders(user=user)
    if status:
        orders = orders.filter(status=status)
    return _with_list_details(orders)


def orders_for_store(*, store, status: str = "", query: str = "") -> QuerySet[Order]:
    orders = _store_orders(store=store, query=query)
    if status:
        orders = orders.filter(status=status)
    return _with_list_details(orders)


def orders_for_store_export(*, store, start, end, status: str = "") -> QuerySet[Order]:
    """The store's orders placed from ``start`` to before ``end``, oldest first, with the
    buyer, the checkout and the items an export row reads."""
    orders = Order.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
    if status:
        orders = orders.filter(status=status)
    return (
        orders.select_related("buyer", "checkout")
        .prefetch_related(Prefetch("items", queryset=OrderItem.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def _status_counts(orders: QuerySet[Order]) -> dict[str, int]:
    """{status: count} plus "" for all, in one query."""
    counts = dict(orders.order_by().values_list("status").annotate(n=Count("id")))
    counts[""] = sum(counts.values())
    return counts


def order_status_counts_for_buyer(*, user) -> dict[str, int]:
    return _status_counts(_buyer_orders(user=user))


def order_status_counts_for_store(*, store, query: str = "") -> dict[str, int]:
    return _status_counts(_store_orders(store=store, query=query))


def order_member_user_ids(*, order: Order) -> list[int]:
    """The store's team (owner and staff): who sees and works on the order."""
    return list(get_user_model().objects.filter(stores=order.store_id).values_list("pk", flat=True))


@dataclass(frozen=True)
class TimelineRow:
    status: str
    label: str
    at: object  # datetime, or None for a step still to come
    who: str = ""
    note: str = ""
    state: str = "done"  # done | current | ahead | stopped


def order_timeline(*, order: Order, viewer: str) -> list[TimelineRow]:
    """What happened to the order (its events, oldest first) and the steps still ahead.
    ``viewer`` is the role of who reads it: the buyer sees "you" for their own moves."""
    events = list(order.events.all())
    rows = []
    for index, event in enumerate(events):
        last = index == len(events) - 1
        state = "stopped" if event.to_status in TERMINAL else "current" if last else "done"
        rows.append(
            TimelineRow(
                status=event.to_status,
                label=_("Order placed") if event.from_status == "" else status_label(event.to_status, order),
                at=event.created_at,
                who=_who(event, order, viewer),
                note=event.note,
                state=state,
            )
        )
    rows += [TimelineRow(step.status, step.label, None, state="ahead") for step in steps_ahead(order)]
    return rows


def _who(event: OrderEvent, order: Order, viewer: str) -> str:
    """Who made a move, by role rather than by name (staff and store members stay private
    to the buyer). The courier is named as the order's page and its chat name them to
    both sides: by short name, as the courier."""
    if event.actor_id is None:
        return settings.SOKO_SITE_NAME
    if event.actor_id == order.buyer_id:
        return _("you") if viewer == Role.BUYER else _("the buyer")
    if event.actor.is_staff:
        return Role.LABELS[Role.STAFF]
    if event.actor_id == _courier_id(order):
        return _("%(name)s (courier)") % {"name": event.actor.short_name}
    if viewer == Role.SELLER:
        return str(event.actor)
    return order.store.name


def _courier_id(order: Order) -> int | None:
    """The courier of the order's delivery job: a job loses its courier only before pickup,
    so whoever moved the order as its courier still holds it."""
    job = getattr(order, "delivery_job", None)  # couriers sit above orders: reached through the relation
    return job.courier_id if job is not None else None


def buyer_live_context(*, order: Order) -> dict:
    moves = moves_for(order, Role.BUYER)
    return {
        "order": order,
        "timeline": order_timeline(order=order, viewer=Role.BUYER),
        "can_cancel": S.CANCELLED in moves,
        "can_receive": S.COMPLETED in moves,
        "can_edit_note": order.status in NOTE_EDITABLE,
        "handover": order_handover_for_buyer(order=order),
    }


def seller_live_context(*, order: Order) -> dict:
    moves = moves_for(order, Role.SELLER)
    return {
        "order": order,
        "timeline": order_timeline(order=order, viewer=Role.SELLER),
        "actions": [(to, action_label(order, to)) for to in moves if to != S.CANCELLED],
        "can_cancel": S.CANCELLED in moves,
    }


@dataclass(frozen=True)
class HandoverView:
    """What the buyer's page shows of the cash-on-delivery handover code (``handover_state``
    decides; this only dresses it for the template)."""

    state: str  # "active" (the code is shown), "expired", "locked", or "" when nothing is shown
    code: str = ""
    short_code: str = ""
    waiting: bool = False  # shown, but a courier can accept it only once the order is handed over


def order_handover_for_buyer(*, order: Order) -> HandoverView:
    """The code (QR text and 8-digit fallback) while it can still be used; only ever call
    this for the order's own buyer."""
    state = handover_state(order)
    if state.renewable:
        return HandoverView("locked" if state.locked and state.status != "expired" else "expired")
    if not state.shown:
        return HandoverView("")
    code, short = handover_code_reveal(handover=order.handover_code)
    return HandoverView("active", code, short, waiting=state.status == "waiting")


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def account_links(*, user_ids) -> dict[int, set[str]]:
    """What links each of ``user_ids`` to other accounts, as markers two linked accounts
    share: the address they signed up from (``"ip:…"``), the phones (``"phone:…"``) and
    places (``"address:…"``) of their saved delivery addresses, and the phones they paid
    with. Three queries."""
    links: dict[int, set[str]] = {pk: set() for pk in user_ids}
    signed_up = get_user_model().objects.filter(pk__in=user_ids, signup_ip__isnull=False)
    for pk, ip in signed_up.values_list("pk", "signup_ip"):
        links[pk].add(f"ip:{ip}")
    saved = Address.objects.filter(user_id__in=user_ids).values_list("user_id", "phone", "area_id", "street")
    for pk, phone, area_id, street in saved:
        if _digits(phone):
            links[pk].add(f"phone:{_digits(phone)}")
        place = " ".join(street.casefold().split())
        if place:
            links[pk].add(f"address:{area_id}:{place}")
    paid = (
        PaymentAttempt.objects.filter(checkout__buyer_id__in=user_ids)
        .exclude(phone="")
        .values_list("checkout__buyer_id", "phone")
    )
    for pk, phone in paid.distinct():
        if _digits(phone):
            links[pk].add(f"phone:{_digits(phone)}")
    return links
