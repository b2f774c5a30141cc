"""Address book factories: ``AddressFactory(user=...)`` is an address in a small Kenyan
area tree (created once per test), the user's default if they have none yet."""

from decimal import Decimal

import factory

from shop.accounts.models import Address
from shop.geo.models import Area
from tests.geo.factories import AreaFactory

from . import UserFactory


def westlands() -> Area:
    """Kenya > Nairobi (region) > Nairobi (district) > Westlands, made on first use."""
    existing = Area.objects.filter(name="Westlands", parent__name="Nairobi").first()
    if existing is not None:
        return existing
    kenya = Area.objects.filter(code="KE", parent__isnull=True).first() or AreaFactory(name="Kenya", code="KE")
    county = AreaFactory(name="Nairobi", parent=kenya, slug="nairobi-county", code="KE-47")
    city = AreaFactory(name="Nairobi", parent=county)
    return AreaFactory(name="Westlands", parent=city, latitude=Decimal("-1.2676"), longitude=Decimal("36.8108"))


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    label = "Home"
    recipient = "Amina Njeri"
    phone = "+254 712 345 678"
    area = factory.LazyFunction(westlands)
    street = "Muthithi Rd, Apple Court flat 4"
    is_default = factory.LazyAttribute(lambda address: not Address.objects.filter(user=address.user, is_default=True).exists())
