"""Signals a lower app sends for a higher one to hear without importing it."""

from django.dispatch import Signal

# Staff, or Soko by itself (``actor`` None), acted on something a lower app owns: a product
# approved or rejected, a payment flag resolved, an escalated return decided, a bidding
# block lifted. Sent inside the transaction that made the change, with the keyword
# arguments ``actor``, ``action`` (a ``shop.moderation`` log action), ``target`` (the
# model instance), ``reason``, ``before`` and ``after`` (plain JSON values). The
# moderation log writes each one down once.
staff_acted = Signal()
