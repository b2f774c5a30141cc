"""What reviews announce to the apps above them, sent inside the transaction that made it so."""

from django.dispatch import Signal

# A store's figures from its visible reviews changed (``store_id``, ``rating_avg``,
# ``rating_count``); sellers owns the store's row and writes them. The sender holds the
# store's row lock.
store_rated = Signal()
