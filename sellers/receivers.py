"""The store's rows, written here when an app below announces a change to them."""

from django.db.models import F
from django.dispatch import receiver

from shop.orders.signals import order_counted
from shop.reviews.signals import store_rated

from .models import Store


@receiver(order_counted, dispatch_uid="sellers.store_order_counted")
def store_order_counted(sender, *, order, **kwargs) -> None:
    Store.objects.filter(pk=order.store_id).update(orders_count=F("orders_count") + 1)


@receiver(store_rated, dispatch_uid="sellers.store_rated")
def store_rating_set(sender, *, store_id: int, rating_avg, rating_count: int, **kwargs) -> None:
    Store.objects.filter(pk=store_id).update(rating_avg=rating_avg, rating_count=rating_count)
