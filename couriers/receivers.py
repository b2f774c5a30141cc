"""What couriers do when the apps below them announce a change."""

from django.dispatch import receiver

from shop.orders.models import Order
from shop.orders.signals import order_changed

from .services import job_live_push_for_order, jobs_withdraw_for_order


@receiver(order_changed, sender=Order, dispatch_uid="couriers.order_changed")
def _order_changed(sender, order, **kwargs) -> None:
    job_live_push_for_order(order=order)
    jobs_withdraw_for_order(order=order)  # an order ended before pickup: after its commit
