"""Checkouts to pay: the checkout tests' two Kenyan stores and buyer, placed by card."""

import uuid

import pytest

from shop.orders.checkout import checkout_place
from tests.checkout.conftest import basket, buyer, cart, crafts, details_for, kikoi, weavers  # noqa: F401  (fixtures)


@pytest.fixture
def placed(buyer, cart, weavers, crafts):  # noqa: F811
    """A checkout across two stores (KES 2601.00 + 850), paid by card: awaiting payment."""
    details = details_for(buyer, payment_method="card", delivery_modes={weavers.pk: "delivery", crafts.pk: "pickup"})
    return checkout_place(buyer=buyer, cart=cart, details=details, idempotency_key=uuid.uuid4())
