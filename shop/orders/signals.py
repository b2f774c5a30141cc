"""What orders announce to the apps above them, sent inside the transaction that made it so."""

from django.dispatch import Signal

# An order completed for the first time (``order``): the store counts it towards its
# popularity (sellers owns the store's ``orders_count``).
order_counted = Signal()

# An order's live state changed (``order``; sent by ``order_push``, inside the transaction
# that changed it): the apps above re-render their open pages that show it (a courier's job).
order_changed = Signal()
