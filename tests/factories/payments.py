"""Paying a checkout in tests the way a buyer would."""

from shop.devgateway.services import dev_engine
from shop.payments.services import attempt_create, attempt_succeeded


def dev_card_pay(checkout) -> None:
    """Pay the checkout by card on the development gateway's hosted page, then confirm it
    as the webhook would."""
    attempt = attempt_create(checkout=checkout, gateway="card", provider="dev")
    engine = dev_engine()
    line = {
        "price_data": {"currency": checkout.currency.lower(), "unit_amount": str(attempt.amount_minor)},
        "quantity": "1",
    }
    session = engine.session_create({"mode": "payment", "line_items": [line]})
    engine.session_pay(session["id"])
    session = engine.session_retrieve({}, session["id"])
    attempt_succeeded(
        attempt_id=attempt.pk,
        received_minor=session["amount_total"],
        currency=session["currency"],
        payment_reference=session["payment_intent"],
    )
