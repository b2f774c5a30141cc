"""What orders announce to the apps above them: ``order_counted`` inside the transaction
that made it so, ``order_changed`` after its commit."""

from django.dispatch import Signal

# An order completed for the first time (``order``): the store counts it towards its
# popularity (sellers owns the store's ``orders_count``).
order_counted = Signal()

# An order's live state changed (``order``, read after the commit; sent by ``order_push``
# once the transaction that changed it committed): the apps above re-render their open
# pages that show it (a courier's job).
order_changed = Signal()
