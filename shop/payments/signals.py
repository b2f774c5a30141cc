"""Signals the apps above payments listen to (they may import this app; not the reverse)."""

from django.dispatch import Signal

# A checkout's orders may go ahead: it was paid online, or the buyer chose to pay on
# delivery after all. Sent inside the transaction that records it (``checkout=``).
checkout_confirmed = Signal()

# A refund of some of an order's lines was recorded (``order=``, ``refund=``), inside the
# transaction that records it.
refund_recorded = Signal()

# A recorded refund's state changed (the provider made it, refused it, or failed it later;
# ``order_id=``), inside the transaction that changed it: the order's open pages follow.
refund_changed = Signal()

# The payment state of checkouts and orders is the orders' to write: payments decides it
# and sends one of these inside its transaction, and orders' receivers
# (``shop.orders.receivers``) write the rows at once, on the instance sent, so what the
# sender does next sees it.

# The buyer pays the checkout with another method (``checkout=``, ``method=`` a gateway code).
checkout_method_chosen = Signal()

# The checkout was paid online (``checkout=``, locked; ``paid_at=``).
checkout_paid = Signal()

# The checkout goes ahead as cash on delivery (``checkout=``, locked; ``method=`` a gateway code).
checkout_on_delivery = Signal()

# A paid checkout's order owes the platform its fee (``order=``, ``fee=`` a Decimal).
order_fee_charged = Signal()

# An order's share is no longer held for the buyer (``order=``, locked by the caller; ``released_at=``).
order_funds_released = Signal()
