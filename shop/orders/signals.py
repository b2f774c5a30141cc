"""What orders announce to the apps above them, sent inside the transaction that made it so."""

from django.dispatch import Signal

# An order completed for the first time (``order``): the store counts it towards its
# popularity (sellers owns the store's ``orders_count``).
order_counted = Signal()
