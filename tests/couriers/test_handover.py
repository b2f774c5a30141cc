"""The cash-on-delivery handover code: unguessable, stored only hashed, single use,
expiring, accepted only while the order is out for delivery or ready for pick-up,
refused for a cancelled order; the numeric fallback is rate limited; a key rotation
keeps live codes working."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.orders.models import HandoverCode, Order, OrderStatus
from shop.orders.selectors.handover import handover_code_reveal, handover_state
from shop.orders.services.handover import (
    HandoverError,
    handover_code_check,
    handover_code_check_short,
    handover_code_issue,
    handover_code_renew,
)
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db

OUT = OrderStatus.OUT_FOR_DELIVERY


def at_the_door(**kwargs):
    """An order a courier has in hand, its code usable."""
    return OrderFactory(status=OUT, **kwargs)


def codes(order):
    order.handover_code.refresh_from_db()
    return handover_code_reveal(handover=order.handover_code)


def test_scanned_code_hands_over_its_order_once():
    order = OrderFactory(status=OrderStatus.OUT_FOR_DELIVERY)
    code, _short = codes(order)
    assert handover_code_check(code=code) == order
    with pytest.raises(HandoverError, match="already used") as refused:
        handover_code_check(code=code)
    assert refused.value.reason == "used"


def test_unknown_code_is_refused():
    OrderFactory()
    with pytest.raises(HandoverError, match="not a valid") as refused:
        handover_code_check(code="ABCDEFGHJKMNPQRSTVWXYZ0123456789")
    assert refused.value.reason == "unknown"


def test_expired_code_is_refused():
    order = at_the_door()
    code, short = codes(order)
    HandoverCode.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(HandoverError, match="expired"):
        handover_code_check(code=code)
    with pytest.raises(HandoverError, match="expired"):
        handover_code_check_short(order_number=order.number, short_code=short)


def test_cancelled_order_code_is_refused():
    order = OrderFactory(status=OrderStatus.CANCELLED)
    code, _short = codes(order)
    with pytest.raises(HandoverError, match="cancelled") as refused:
        handover_code_check(code=code)
    assert refused.value.reason == "cancelled"
    assert HandoverCode.objects.get(order=order).used_at is None


def test_numeric_fallback_works_with_the_order_number_once():
    order = at_the_door()
    _code, short = codes(order)
    typed = f"{short[:4]} {short[4:]}"
    assert handover_code_check_short(order_number=order.number.lower(), short_code=typed) == order
    with pytest.raises(HandoverError, match="already used"):
        handover_code_check_short(order_number=order.number, short_code=short)


def test_numeric_fallback_of_another_order_is_wrong():
    first, second = at_the_door(), at_the_door()
    _code, short_of_first = codes(first)
    with pytest.raises(HandoverError, match="Wrong code") as refused:
        handover_code_check_short(order_number=second.number, short_code=short_of_first)
    assert refused.value.reason == "wrong"


def test_wrong_numeric_codes_lock_the_order_after_the_limit(settings):
    settings.SOKO_HANDOVER_MAX_ATTEMPTS = 3
    order = at_the_door()
    _code, short = codes(order)
    wrong = str((int(short) + 1) % 10**8).zfill(8)
    messages = []
    for _ in range(3):
        with pytest.raises(HandoverError) as refused:
            handover_code_check_short(order_number=order.number, short_code=wrong)
        messages.append(str(refused.value))
    assert messages[0].endswith("2 attempts left.")
    assert "No attempts left" in messages[-1]
    assert HandoverCode.objects.get(order=order).failed_attempts == 3
    # Even the right code is refused now, without counting.
    with pytest.raises(HandoverError, match="Too many wrong codes") as refused:
        handover_code_check_short(order_number=order.number, short_code=short)
    assert refused.value.reason == "locked"
    assert HandoverCode.objects.get(order=order).failed_attempts == 3
    assert HandoverCode.objects.get(order=order).used_at is None


def test_a_new_code_replaces_a_locked_one(settings):
    settings.SOKO_HANDOVER_MAX_ATTEMPTS = 1
    order = at_the_door()
    old_code, old_short = codes(order)
    with pytest.raises(HandoverError):
        handover_code_check_short(order_number=order.number, short_code=str((int(old_short) + 1) % 10**8).zfill(8))
    handover_code_renew(order=order)
    new_code, new_short = codes(order)
    assert new_code != old_code
    with pytest.raises(HandoverError, match="not a valid"):
        handover_code_check(code=old_code)
    assert handover_code_check_short(order_number=order.number, short_code=new_short) == order


def test_code_is_not_derived_from_the_order_number():
    first, second = OrderFactory(), OrderFactory()
    first_code, first_short = codes(first)
    second_code, second_short = codes(second)
    assert first_code != second_code and first_short != second_short
    assert first.number not in first_code
    # Issued again for the very same order number, the code is a different one.
    number = first.number
    HandoverCode.objects.filter(order=first).delete()
    reissued = handover_code_issue(order=first)
    again_code, again_short = handover_code_reveal(handover=reissued)
    assert first.number == number
    assert again_code != first_code and again_short != first_short
    assert len(first_code) == 32 and len(first_short) == 8


def test_no_code_is_stored_in_clear():
    order = OrderFactory()
    code, short = codes(order)
    row = HandoverCode.objects.filter(order=order).values().get()
    stored = " ".join(str(value) for value in row.values())
    assert code not in stored and code.lower() not in stored
    assert short not in stored
    assert bytes(row["nonce"]).hex() not in code.lower()


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY])
def test_code_is_refused_before_the_order_leaves_the_store(status):
    order = OrderFactory(status=status)
    code, short = codes(order)
    with pytest.raises(HandoverError, match="not out for delivery yet") as refused:
        handover_code_check(code=code)
    assert refused.value.reason == "early"
    with pytest.raises(HandoverError, match="not out for delivery yet"):
        handover_code_check_short(order_number=order.number, short_code=short)
    handover = HandoverCode.objects.get(order=order)
    assert handover.used_at is None and handover.failed_attempts == 0


def test_pickup_code_is_accepted_once_the_order_is_ready_at_the_store():
    order = OrderFactory(status=OrderStatus.PREPARING, delivery_mode=Order.DeliveryMode.PICKUP)
    code, _short = codes(order)
    with pytest.raises(HandoverError, match="not ready for pick-up yet"):
        handover_code_check(code=code)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.READY)
    assert handover_code_check(code=code) == order


def test_typed_code_is_accepted_out_for_delivery():
    order = at_the_door()
    _code, short = codes(order)
    assert handover_code_check_short(order_number=order.number, short_code=short) == order
    assert HandoverCode.objects.get(order=order).used_at is not None


@pytest.mark.parametrize("status", [OrderStatus.DELIVERED, OrderStatus.COMPLETED])
def test_code_is_refused_once_the_order_was_delivered_without_it(status):
    order = OrderFactory(status=status)
    code, _short = codes(order)
    with pytest.raises(HandoverError, match="do not hand it over again") as refused:
        handover_code_check(code=code)
    assert refused.value.reason == "closed"


@pytest.mark.parametrize(
    ("status", "mode", "shown", "accepts", "renewable"),
    [
        (OrderStatus.PENDING, "delivery", True, False, False),
        (OrderStatus.READY, "delivery", True, False, False),
        (OrderStatus.READY, "pickup", True, True, False),
        (OrderStatus.OUT_FOR_DELIVERY, "delivery", True, True, False),
        (OrderStatus.DELIVERED, "delivery", False, False, False),
        (OrderStatus.CANCELLED, "delivery", False, False, False),
    ],
)
def test_handover_state_decides_showing_accepting_and_renewing(status, mode, shown, accepts, renewable):
    order = OrderFactory(status=status, delivery_mode=mode)
    state = handover_state(order)
    assert (state.shown, state.accepts_qr, state.accepts_typed, state.renewable) == (shown, accepts, accepts, renewable)


def test_an_expired_code_can_be_renewed_only_while_the_order_is_still_coming():
    order = OrderFactory(status=OrderStatus.CONFIRMED)
    HandoverCode.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))
    order.handover_code.refresh_from_db()
    assert handover_state(order).renewable
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.CANCELLED)
    order.refresh_from_db()
    assert not handover_state(order).renewable
    with pytest.raises(HandoverError, match="no handover code to renew"):
        handover_code_renew(order=order)


def test_a_code_that_still_works_cannot_be_renewed():
    order = at_the_door()
    code, _short = codes(order)
    with pytest.raises(HandoverError, match="no handover code to renew"):
        handover_code_renew(order=order)
    assert handover_code_check(code=code) == order


def test_code_issued_before_a_secret_key_rotation_still_works(settings):
    settings.SECRET_KEY = "the-key-this-site-started-with-" + "x" * 30
    order = at_the_door()
    second = at_the_door()
    code, short = codes(order)
    _code2, short2 = codes(second)

    settings.SECRET_KEY = "the-freshly-rotated-key-" + "y" * 30
    settings.SECRET_KEY_FALLBACKS = ["the-key-this-site-started-with-" + "x" * 30]

    # The buyer's page still shows the same code, and the courier's scan and typing accept it.
    assert codes(order) == (code, short)
    assert handover_state(order).accepts_qr
    assert handover_code_check(code=code) == order
    assert handover_code_check_short(order_number=second.number, short_code=short2) == second


def test_a_code_whose_key_was_dropped_must_be_renewed(settings):
    settings.SECRET_KEY = "the-key-this-site-started-with-" + "x" * 30
    order = at_the_door()
    settings.SECRET_KEY = "the-freshly-rotated-key-" + "y" * 30
    settings.SECRET_KEY_FALLBACKS = []
    assert handover_code_reveal(handover=order.handover_code) is None
    assert handover_state(order).status == "expired"
    handover_code_renew(order=order)
    code, _short = codes(order)
    assert handover_code_check(code=code) == order


def test_an_order_without_a_code_shows_nothing_and_refuses_typed_codes():
    order = OrderFactory(status=OUT, handover=False)
    state = handover_state(order)
    assert not state.exists and not state.shown and not state.renewable
    with pytest.raises(HandoverError, match=f"No order {order.number} awaits a handover"):
        handover_code_check_short(order_number=order.number, short_code="12345678")
