"""Reads for the store's order pages."""

from couriers.selectors import couriers_for_job
from couriers.services import ARRANGEABLE
from shop.orders.selectors.fares import rate_per_km
from shop.orders.selectors.transitions import order_courier_job


def order_delivery_choice(*, order) -> dict:
    """The store's delivery choice for a home delivery it still has to send out."""
    job = order_courier_job(order)
    if order.delivery_mode != order.DeliveryMode.DELIVERY or order.status not in ARRANGEABLE or job is not None:
        return {"delivery_choice": False}
    return {
        "delivery_choice": True,
        "couriers": list(couriers_for_job(store=order.store, area=order.store.area)) if order.store.area_id else [],
        "rate_per_km": rate_per_km(order.currency),
        "default_payer": order.store.get_courier_fee_payer_display(),
    }
