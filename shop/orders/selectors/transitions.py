"""The order status machine: which moves exist and who may make each.

One table (``MOVES``) names every move and the roles allowed to make it; a few moves also
depend on the order (pick-up or delivery, paid or cash on delivery). Staff make only the
moves the table gives them, always with a note saying why.

=====================  ======================  ==========================================
from                   to                      who
=====================  ======================  ==========================================
pending                confirmed               seller, staff
pending                cancelled               buyer, seller (reason required), staff
confirmed              preparing               seller, staff
confirmed              cancelled               buyer, seller (reason required), staff
preparing              ready                   seller, staff
preparing              cancelled               seller (reason required), staff
ready                  out_for_delivery        seller, courier, staff — delivery orders only;
                                               a courier's job: only its courier, by scan
                                               (staff too, until the store withdraws the job)
ready                  delivered               seller, staff — pick-up orders only (collected)
ready                  cancelled               seller (reason required), staff
out_for_delivery       delivered               seller, courier (by the handover scan), staff
out_for_delivery       ready                   staff (the delivery failed; back at the store)
out_for_delivery       cancelled               staff
delivered              completed               buyer (confirms receipt), staff
completed              delivered               staff (receipt confirmed by mistake)
delivered / completed  cancelled               staff
delivered / completed  refunded                staff
cancelled              refunded                staff — only when the order was paid
=====================  ======================  ==========================================

Nothing leaves refunded; cancelled leaves only for refunded. Cancelling puts the order's
units back on sale while the goods never left the store (up to ready); once they have
(out for delivery, delivered, completed) only when staff confirm the goods came back to
stock (``cancel_restocks``).

The seller delivers itself, or gives the order to a courier (``couriers.DeliveryJob``).
A courier's order leaves the store when its courier scans the package label; a delivery
order is delivered only through the buyer's handover code, scanned or typed at the door
(``scanned``), by the store or the courier who holds it. Staff override with a note.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.selectors.i18n import SITE_NAME, lazy_text
from shop.payments.models import PaymentStatus

from ..models import Order, OrderStatus

S = OrderStatus


class Role:
    BUYER = "buyer"
    SELLER = "seller"
    COURIER = "courier"
    STAFF = "staff"

    ALL = (BUYER, SELLER, COURIER, STAFF)
    LABELS = {
        BUYER: gettext_lazy("the buyer"),
        SELLER: gettext_lazy("the store"),
        COURIER: gettext_lazy("a courier"),
        STAFF: lazy_text(gettext_lazy("%(site)s staff"), site=SITE_NAME),
    }


class TransitionError(Exception):
    """A move the machine refuses; ``str(error)`` is meant for the person who tried it,
    ``code`` names the refusal for programs (the API's problem ``code``)."""

    def __init__(self, message: str, *, code: str = "transition_refused"):
        super().__init__(message)
        self.code = code


# The main path, in order: what a timeline shows as the steps still to come.
MAIN_PATH = (S.PENDING, S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED, S.COMPLETED)
PICKUP_PATH = (S.PENDING, S.CONFIRMED, S.PREPARING, S.READY, S.DELIVERED, S.COMPLETED)
TERMINAL = frozenset({S.CANCELLED, S.REFUNDED})
# The buyer may edit the delivery note until the order leaves the store.
NOTE_EDITABLE = frozenset({S.PENDING, S.CONFIRMED, S.PREPARING, S.READY})

# Goods in these statuses have left the store: cancelling does not restock them by itself.
LEFT_THE_STORE = frozenset({S.OUT_FOR_DELIVERY, S.DELIVERED, S.COMPLETED})

MOVES: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING, S.CONFIRMED): frozenset({Role.SELLER, Role.STAFF}),
    (S.PENDING, S.CANCELLED): frozenset({Role.BUYER, Role.SELLER, Role.STAFF}),
    (S.CONFIRMED, S.PREPARING): frozenset({Role.SELLER, Role.STAFF}),
    (S.CONFIRMED, S.CANCELLED): frozenset({Role.BUYER, Role.SELLER, Role.STAFF}),
    (S.PREPARING, S.READY): frozenset({Role.SELLER, Role.STAFF}),
    (S.PREPARING, S.CANCELLED): frozenset({Role.SELLER, Role.STAFF}),
    (S.READY, S.OUT_FOR_DELIVERY): frozenset({Role.SELLER, Role.COURIER, Role.STAFF}),
    (S.READY, S.DELIVERED): frozenset({Role.SELLER, Role.STAFF}),
    (S.READY, S.CANCELLED): frozenset({Role.SELLER, Role.STAFF}),
    (S.OUT_FOR_DELIVERY, S.DELIVERED): frozenset({Role.SELLER, Role.COURIER, Role.STAFF}),
    (S.OUT_FOR_DELIVERY, S.READY): frozenset({Role.STAFF}),
    (S.OUT_FOR_DELIVERY, S.CANCELLED): frozenset({Role.STAFF}),
    (S.DELIVERED, S.COMPLETED): frozenset({Role.BUYER, Role.STAFF}),
    (S.DELIVERED, S.CANCELLED): frozenset({Role.STAFF}),
    (S.COMPLETED, S.DELIVERED): frozenset({Role.STAFF}),
    (S.COMPLETED, S.CANCELLED): frozenset({Role.STAFF}),
    (S.DELIVERED, S.REFUNDED): frozenset({Role.STAFF}),
    (S.COMPLETED, S.REFUNDED): frozenset({Role.STAFF}),
    (S.CANCELLED, S.REFUNDED): frozenset({Role.STAFF}),
}

# Moves where the role must say why (shown to the buyer on the timeline).
NOTE_REQUIRED: dict[tuple[str, str], str] = {
    (Role.SELLER, S.CANCELLED): gettext_lazy("Give the buyer a reason for cancelling."),
}
STAFF_NOTE_REQUIRED = gettext_lazy("Staff changes need a note saying why.")

# What the button for a move says, by target status.
ACTION_LABELS = {
    S.CONFIRMED: gettext_lazy("Confirm order"),
    S.PREPARING: gettext_lazy("Start preparing"),
    S.READY: gettext_lazy("Mark ready"),
    S.OUT_FOR_DELIVERY: gettext_lazy("Out for delivery"),
    S.DELIVERED: gettext_lazy("Mark delivered"),
    S.COMPLETED: gettext_lazy("I received it"),
    S.CANCELLED: gettext_lazy("Cancel order"),
    S.REFUNDED: gettext_lazy("Refund"),
}
PICKUP_ACTION_LABELS = {S.READY: gettext_lazy("Ready for pick-up"), S.DELIVERED: gettext_lazy("Collected by the buyer")}


def status_label(status: str, order: Order | None = None) -> str:
    """The status as people say it; a pick-up order is "ready for pick-up", then "collected"."""
    if status == "":
        return _("Placed")
    if order is not None and order.delivery_mode == Order.DeliveryMode.PICKUP:
        if status == S.READY:
            return _("Ready for pick-up")
        if status == S.DELIVERED:
            return _("Collected")
    return S(status).label


def action_label(order: Order, to: str) -> str:
    if order.delivery_mode == Order.DeliveryMode.PICKUP and to in PICKUP_ACTION_LABELS:
        return PICKUP_ACTION_LABELS[to]
    return ACTION_LABELS[to]


def order_was_paid(order: Order) -> bool:
    """Money changed hands before delivery: the checkout was paid online. A cancelled
    cash-on-delivery order (or one never paid) has nothing to refund."""
    return order.checkout.payment_status == PaymentStatus.PAID


def cancel_restocks(order: Order, *, goods_returned: bool) -> bool:
    """Whether cancelling ``order`` from its current status puts its units back on sale:
    always while the goods never left the store; after that only when staff confirm
    the goods came back to stock."""
    return order.status not in LEFT_THE_STORE or goods_returned


def _staff_refused(order: Order, to: str) -> str:
    """Why staff cannot make a move the table does not give them."""
    if order.status == S.REFUNDED:
        return _("A refunded order cannot change any more.")
    if order.status == S.CANCELLED:
        return _("A cancelled order cannot be reopened. Ask the buyer to order again.")
    if to == S.REFUNDED:
        return _("Only a delivered, completed or cancelled order can be refunded; cancel it first.")
    current, target = status_label(order.status, order).lower(), status_label(to, order).lower()
    return _("Staff cannot move an order from %(current)s to %(target)s: orders move one step at a time.") % {
        "current": current,
        "target": target,
    }


def order_courier_job(order: Order):
    """The order's delivery job while a courier is (or may be) on it, else None. Couriers
    sit above orders: the job is reached through its relation, never imported."""
    job = getattr(order, "delivery_job", None)
    if job is None or job.status == "cancelled":
        return None
    return job


def _condition(order: Order, to: str, role: str, scanned: bool) -> str | None:
    """Moves that depend on the order itself; None when the move fits this order."""
    pickup = order.delivery_mode == Order.DeliveryMode.PICKUP
    source = order.status
    if (source, to) == (S.READY, S.OUT_FOR_DELIVERY) and not pickup:
        if role == Role.STAFF and order_courier_job(order) is not None:
            return _(
                "A courier's job for order %(number)s is still open: it leaves when the courier scans the package "
                "label. The store can withdraw the job to send the order out another way."
            ) % {"number": order.number}
        if role == Role.SELLER and order_courier_job(order) is not None:
            return _("A courier takes order %(number)s: it leaves when the courier scans the package label.") % {
                "number": order.number
            }
        if role == Role.COURIER and not scanned:
            return _("Scan the package label (or type its pickup code) to pick order %(number)s up.") % {
                "number": order.number
            }
    if (source, to) == (S.OUT_FOR_DELIVERY, S.DELIVERED) and role in (Role.SELLER, Role.COURIER) and not scanned:
        return _("Order %(number)s is delivered when the buyer's handover code is scanned or typed at the door.") % {
            "number": order.number
        }
    if (source, to) == (S.READY, S.OUT_FOR_DELIVERY) and pickup:
        return _("This is a pick-up order: the buyer collects it at the store, nothing goes out for delivery.")
    if (source, to) == (S.READY, S.DELIVERED) and not pickup:
        return _("A delivery order is marked delivered once it has gone out for delivery.")
    if (source, to) == (S.PENDING, S.CONFIRMED) and order.checkout.payment_status == PaymentStatus.AWAITING:
        return _("Order %(number)s waits for the buyer's payment: confirm it once it is paid.") % {
            "number": order.number
        }
    if (source, to) == (S.CANCELLED, S.REFUNDED) and not order_was_paid(order):
        return _("Nothing to refund: this cancelled order was never paid (cash on delivery).")
    return None


def transition_check(order: Order, to: str, role: str, *, note: str = "", scanned: bool = False) -> None:
    """Raise ``TransitionError`` with a clear message unless ``role`` may move ``order``
    to ``to`` now. ``scanned``: the move comes from a scan (package label or handover
    code) that was checked. Does not check that the person really has that role for this
    order (``order_transition`` does)."""
    if role not in Role.ALL:
        raise TransitionError(_("Unknown role “%(role)s”.") % {"role": role}, code="unknown_role")
    if to not in S.values:
        raise TransitionError(_("Unknown order status “%(to)s”.") % {"to": to}, code="unknown_status")
    current = status_label(order.status, order)
    target = status_label(to, order)
    if to == order.status:
        raise TransitionError(
            _("Order %(number)s is already %(lower)s.") % {"number": order.number, "lower": current.lower()},
            code="order_already_there",
        )
    allowed = MOVES.get((order.status, to))
    if role == Role.STAFF and Role.STAFF not in (allowed or ()):
        raise TransitionError(_staff_refused(order, to), code="move_not_allowed")
    if not allowed:
        if order.status in TERMINAL:
            raise TransitionError(
                _("Order %(number)s is %(lower)s; it cannot change any more.")
                % {"number": order.number, "lower": current.lower()},
                code="order_closed",
            )
        raise TransitionError(
            _("An order cannot go from %(lower)s to %(lower2)s.") % {"lower": current.lower(), "lower2": target.lower()},
            code="move_not_allowed",
        )
    if role not in allowed:
        raise TransitionError(
            _not_yours(order, to, role, allowed),
            code="too_late_to_cancel" if (role, to) == (Role.BUYER, S.CANCELLED) else "role_not_allowed",
        )
    problem = _condition(order, to, role, scanned)
    if problem:
        raise TransitionError(problem, code="move_not_possible")
    required = STAFF_NOTE_REQUIRED if role == Role.STAFF else NOTE_REQUIRED.get((role, to))
    if required and not note.strip():
        raise TransitionError(required, code="note_required")


def _not_yours(order: Order, to: str, role: str, allowed: frozenset[str]) -> str:
    if role == Role.BUYER and to == S.CANCELLED:
        return _(
            "The store has started preparing order %(number)s, so it can no longer be cancelled here. Contact the store."
        ) % {"number": order.number}
    who = _(" or ").join(str(Role.LABELS[r]) for r in Role.ALL if r in allowed)
    target = status_label(to, order).lower()
    return _("Only %(who)s can move order %(number)s from %(lower)s to %(target)s.") % {
        "who": who,
        "number": order.number,
        "lower": status_label(order.status, order).lower(),
        "target": target,
    }


def moves_for(order: Order, role: str) -> list[str]:
    """The statuses ``role`` may move this order to now (notes aside), in path order."""
    order_of = {status: index for index, status in enumerate(S.values)}
    allowed = []
    for to in sorted(S.values, key=order_of.__getitem__):
        try:
            transition_check(order, to, role, note="-")
        except TransitionError:
            continue
        allowed.append(to)
    return allowed


@dataclass(frozen=True)
class Step:
    status: str
    label: str


def steps_ahead(order: Order) -> list[Step]:
    """The main-path steps after the current status (none once cancelled or refunded)."""
    if order.status in TERMINAL:
        return []
    path = PICKUP_PATH if order.delivery_mode == Order.DeliveryMode.PICKUP else MAIN_PATH
    if order.status not in path:
        return []
    rest = path[path.index(order.status) + 1 :]
    return [Step(status, status_label(status, order)) for status in rest]
