"""Courier factories: ``courier_serving(area)`` is an approved courier whose board shows
``area``; ``DeliveryJobFactory(order=…)`` is a board job for the order (``courier=…`` and
``status=…`` for one a courier holds), its commission computed as the services do."""

from decimal import Decimal

import factory

from couriers.models import CourierProfile, DeliveryJob
from shop.orders.selectors.fares import commission_for, rate_per_km

from . import CourierProfileFactory


def courier_serving(*areas, **fields):
    profile = CourierProfileFactory(status=CourierProfile.Status.APPROVED, **fields)
    profile.areas.set(areas)
    return profile.user


class DeliveryJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeliveryJob

    order = None  # required
    store = factory.LazyAttribute(lambda job: job.order.store)
    status = DeliveryJob.Status.OPEN
    pickup_area = factory.LazyAttribute(lambda job: job.order.store.area)
    dropoff_area = factory.LazyAttribute(lambda job: job.order.checkout.area)
    distance_km = Decimal("3.00")
    rate_per_km = factory.LazyAttribute(lambda job: rate_per_km(job.order.currency))
    bonus = Decimal("0")
    commission = factory.LazyAttribute(
        lambda job: commission_for(distance_km=job.distance_km, currency=job.order.currency, bonus=job.bonus)
    )
    currency = factory.LazyAttribute(lambda job: job.order.currency)
    published_at = factory.Faker("date_time_this_month", tzinfo=__import__("datetime").timezone.utc)
