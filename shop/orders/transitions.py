"""The order status machine: which moves exist and who may make each.

One table (``MOVES``) names every ordinary move and the roles allowed to make it; a few
moves also depend on the order (pick-up or delivery, paid or cash on delivery). Staff
may make any move except out of the terminal statuses, always with a note saying why.

=====================  ======================  ==========================================
from                   to                      who
=====================  ======================  ==========================================
pending                confirmed               seller
pending                cancelled               buyer, seller (reason required)
confirmed              preparing               seller
confirmed              cancelled               buyer, seller (reason required)
preparing              ready                   seller
preparing              cancelled               seller (reason required)
ready                  out_for_delivery        seller, courier — delivery orders only
ready                  delivered               seller — pick-up orders only (collected)
ready                  cancelled               seller (reason required)
out_for_delivery       delivered               seller, courier
delivered              completed               buyer (confirms receipt)
delivered / completed  refunded                staff
cancelled              refunded                staff — only when the order was paid
any other move                                 staff, with a note; never out of refunded,
                                               out of cancelled only to refunded, into
                                               refunded only from the three above
=====================  ======================  ==========================================

The seller makes the delivery moves itself (self-delivery, or a courier it called), until
the couriers issue assigns delivery jobs; a courier is then the one who makes them.
"""

from dataclasses import dataclass

from .models import Order, OrderStatus

S = OrderStatus


class Role:
    BUYER = "buyer"
    SELLER = "seller"
    COURIER = "courier"
    STAFF = "staff"

    ALL = (BUYER, SELLER, COURIER, STAFF)
    LABELS = {BUYER: "the buyer", SELLER: "the store", COURIER: "a courier", STAFF: "Soko staff"}


class TransitionError(Exception):
    """A move the machine refuses; ``str(error)`` is meant for the person who tried it."""


# The main path, in order: what a timeline shows as the steps still to come.
MAIN_PATH = (S.PENDING, S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY, S.DELIVERED, S.COMPLETED)
PICKUP_PATH = (S.PENDING, S.CONFIRMED, S.PREPARING, S.READY, S.DELIVERED, S.COMPLETED)
TERMINAL = frozenset({S.CANCELLED, S.REFUNDED})
REFUNDABLE_FROM = frozenset({S.DELIVERED, S.COMPLETED, S.CANCELLED})
# The buyer may edit the delivery note until the order leaves the store.
NOTE_EDITABLE = frozenset({S.PENDING, S.CONFIRMED, S.PREPARING, S.READY})

MOVES: dict[tuple[str, str], frozenset[str]] = {
    (S.PENDING, S.CONFIRMED): frozenset({Role.SELLER}),
    (S.PENDING, S.CANCELLED): frozenset({Role.BUYER, Role.SELLER}),
    (S.CONFIRMED, S.PREPARING): frozenset({Role.SELLER}),
    (S.CONFIRMED, S.CANCELLED): frozenset({Role.BUYER, Role.SELLER}),
    (S.PREPARING, S.READY): frozenset({Role.SELLER}),
    (S.PREPARING, S.CANCELLED): frozenset({Role.SELLER}),
    (S.READY, S.OUT_FOR_DELIVERY): frozenset({Role.SELLER, Role.COURIER}),
    (S.READY, S.DELIVERED): frozenset({Role.SELLER}),
    (S.READY, S.CANCELLED): frozenset({Role.SELLER}),
    (S.OUT_FOR_DELIVERY, S.DELIVERED): frozenset({Role.SELLER, Role.COURIER}),
    (S.DELIVERED, S.COMPLETED): frozenset({Role.BUYER}),
    (S.DELIVERED, S.REFUNDED): frozenset({Role.STAFF}),
    (S.COMPLETED, S.REFUNDED): frozenset({Role.STAFF}),
    (S.CANCELLED, S.REFUNDED): frozenset({Role.STAFF}),
}

# Moves where the role must say why (shown to the buyer on the timeline).
NOTE_REQUIRED: dict[tuple[str, str], str] = {
    (Role.SELLER, S.CANCELLED): "Give the buyer a reason for cancelling.",
}
STAFF_NOTE_REQUIRED = "Staff changes need a note saying why."

# What the button for a move says, by target status.
ACTION_LABELS = {
    S.CONFIRMED: "Confirm order",
    S.PREPARING: "Start preparing",
    S.READY: "Mark ready",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.DELIVERED: "Mark delivered",
    S.COMPLETED: "I received it",
    S.CANCELLED: "Cancel order",
    S.REFUNDED: "Refund",
}
PICKUP_ACTION_LABELS = {S.READY: "Ready for pick-up", S.DELIVERED: "Collected by the buyer"}


def status_label(status: str, order: Order | None = None) -> str:
    """The status as people say it; a pick-up order is "ready for pick-up", then "collected"."""
    if status == "":
        return "Placed"
    if order is not None and order.delivery_mode == Order.DeliveryMode.PICKUP:
        if status == S.READY:
            return "Ready for pick-up"
        if status == S.DELIVERED:
            return "Collected"
    return S(status).label


def action_label(order: Order, to: str) -> str:
    if order.delivery_mode == Order.DeliveryMode.PICKUP and to in PICKUP_ACTION_LABELS:
        return PICKUP_ACTION_LABELS[to]
    return ACTION_LABELS[to]


def order_was_paid(order: Order) -> bool:
    """Money changed hands before delivery: anything but cash on delivery. Payments are
    not recorded, so the method decides; a cancelled cash-on-delivery order has nothing
    to refund."""
    return order.checkout.payment_method != "cod"


def _staff_may(order: Order, to: str) -> str | None:
    """None when staff may make the move, else why not."""
    if order.status == S.REFUNDED:
        return "A refunded order cannot change any more."
    if order.status == S.CANCELLED and to != S.REFUNDED:
        return "A cancelled order cannot be reopened: its stock went back on sale. Ask the buyer to order again."
    if to == S.REFUNDED and order.status not in REFUNDABLE_FROM:
        return "Only a delivered, completed or cancelled order can be refunded; cancel it first."
    return None


def _condition(order: Order, to: str, role: str) -> str | None:
    """Moves that depend on the order itself; None when the move fits this order."""
    pickup = order.delivery_mode == Order.DeliveryMode.PICKUP
    source = order.status
    if role != Role.STAFF and (source, to) == (S.READY, S.OUT_FOR_DELIVERY) and pickup:
        return "This is a pick-up order: the buyer collects it at the store, nothing goes out for delivery."
    if role != Role.STAFF and (source, to) == (S.READY, S.DELIVERED) and not pickup:
        return "A delivery order is marked delivered once it has gone out for delivery."
    if (source, to) == (S.CANCELLED, S.REFUNDED) and not order_was_paid(order):
        return "Nothing to refund: this cancelled order was never paid (cash on delivery)."
    return None


def transition_check(order: Order, to: str, role: str, *, note: str = "") -> None:
    """Raise ``TransitionError`` with a clear message unless ``role`` may move ``order``
    to ``to`` now. Does not check that the person really has that role for this order
    (``order_transition`` does)."""
    if role not in Role.ALL:
        raise TransitionError(f"Unknown role “{role}”.")
    if to not in S.values:
        raise TransitionError(f"Unknown order status “{to}”.")
    current = status_label(order.status, order)
    target = status_label(to, order)
    if to == order.status:
        raise TransitionError(f"Order {order.number} is already {current.lower()}.")
    if role == Role.STAFF:
        problem = _staff_may(order, to) or _condition(order, to, role)
        if problem:
            raise TransitionError(problem)
        if not note.strip():
            raise TransitionError(STAFF_NOTE_REQUIRED)
        return
    allowed = MOVES.get((order.status, to))
    if not allowed:
        if order.status in TERMINAL:
            raise TransitionError(f"Order {order.number} is {current.lower()}; it cannot change any more.")
        raise TransitionError(f"An order cannot go from {current.lower()} to {target.lower()}.")
    if role not in allowed:
        raise TransitionError(_not_yours(order, to, role, allowed))
    problem = _condition(order, to, role)
    if problem:
        raise TransitionError(problem)
    required = NOTE_REQUIRED.get((role, to))
    if required and not note.strip():
        raise TransitionError(required)


def _not_yours(order: Order, to: str, role: str, allowed: frozenset[str]) -> str:
    if role == Role.BUYER and to == S.CANCELLED:
        return (
            f"The store has started preparing order {order.number}, so it can no longer be cancelled here. "
            "Contact the store."
        )
    who = " or ".join(Role.LABELS[r] for r in Role.ALL if r in allowed)
    target = status_label(to, order).lower()
    return f"Only {who} can move order {order.number} from {status_label(order.status, order).lower()} to {target}."


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
