"""Signals the apps above payments listen to (they may import this app; not the reverse)."""

from django.dispatch import Signal

# A checkout's orders may go ahead: it was paid online, or the buyer chose to pay on
# delivery after all. Sent inside the transaction that records it (``checkout=``).
checkout_confirmed = Signal()

# A refund of some of an order's lines was recorded (``order=``, ``refund=``), inside the
# transaction that records it.
refund_recorded = Signal()
