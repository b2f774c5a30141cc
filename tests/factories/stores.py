"""Store factories and helpers: opening hours, invitations, a small area tree, and the
settings form's POST data built from a store (so a test changes only what its story needs).
"""

from dataclasses import dataclass
from datetime import time, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from sellers.models import StoreHours, StoreInvite
from sellers.selectors import invite_token_hash
from shop.geo.models import Area
from shop.geo.selectors.areas import area_ancestors
from tests.geo.factories import AreaFactory

from . import StoreFactory, UserFactory


class StoreHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StoreHours

    store = factory.SubFactory(StoreFactory)
    weekday = 0
    opens = time(9)
    closes = time(17)
    closed = False


def store_hours_week(store, *, opens=time(9), closes=time(17), closed_days=(), **per_day):
    """Give ``store`` the same hours every day, except ``closed_days`` (weekday numbers) and
    any ``per_day`` overrides such as ``friday=(time(18), time(2))``."""
    names = [label.lower() for _value, label in StoreHours.Weekday.choices]
    for weekday, name in enumerate(names):
        if weekday in closed_days:
            StoreHours.objects.create(store=store, weekday=weekday, closed=True)
        else:
            day_opens, day_closes = per_day.get(name, (opens, closes))
            StoreHours.objects.create(store=store, weekday=weekday, opens=day_opens, closes=day_closes)


class StoreInviteFactory(factory.django.DjangoModelFactory):
    """``StoreInviteFactory(token="abc")`` stores the hash of that token, as the service does."""

    class Meta:
        model = StoreInvite
        exclude = ["token"]

    store = factory.SubFactory(StoreFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    token = factory.Sequence(lambda n: f"invite-token-{n}")
    token_hash = factory.LazyAttribute(lambda invite: invite_token_hash(invite.token))
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


@dataclass
class Places:
    kenya: Area
    nairobi_county: Area
    nairobi: Area
    westlands: Area
    kilimani: Area
    mombasa_county: Area
    guinea: Area
    conakry: Area
    kaloum: Area


def places() -> Places:
    """Kenya and Guinea, a few levels deep, with real coordinates."""
    kenya = AreaFactory(name="Kenya", code="KE", latitude=Decimal("-0.0236"), longitude=Decimal("37.9062"))
    nairobi_county = AreaFactory(name="Nairobi", parent=kenya, slug="nairobi-county", code="KE-47")
    nairobi = AreaFactory(name="Nairobi", parent=nairobi_county, latitude=Decimal("-1.2864"), longitude=Decimal("36.8172"))
    westlands = AreaFactory(name="Westlands", parent=nairobi, latitude=Decimal("-1.2676"), longitude=Decimal("36.8108"))
    kilimani = AreaFactory(name="Kilimani", parent=nairobi)
    mombasa_county = AreaFactory(name="Mombasa", parent=kenya, code="KE-01")
    guinea = AreaFactory(name="Guinea", code="GN")
    conakry = AreaFactory(name="Conakry", parent=guinea, code="GN-C")
    kaloum = AreaFactory(name="Kaloum", parent=conakry)
    return Places(kenya, nairobi_county, nairobi, westlands, kilimani, mombasa_county, guinea, conakry, kaloum)


def settings_form_data(store, **changes) -> dict:
    """What the store settings form posts when the seller saves it as the page shows it,
    with ``changes`` applied. Area selects: pass ``area=<Area>``; hours: ``hours=[row, …]``
    rows of (opens, closes, closed) as strings and a bool, Monday first."""
    store.refresh_from_db()
    data = {
        "name": store.name,
        "slug": store.slug,
        "tagline": store.tagline,
        "description": store.description,
        "phone": store.phone,
        "email": store.email,
        "categories": [category.pk for category in store.categories.all()],
        "tags": store.tags,
        "area_label": store.area_label,
        "latitude": "" if store.latitude is None else str(store.latitude),
        "longitude": "" if store.longitude is None else str(store.longitude),
        "time_zone": store.time_zone,
        "x_handle": store.x_handle,
        "discord": store.discord,
        "telegram": store.telegram,
        "ens_name": store.ens_name,
        "courier_fee_payer": store.courier_fee_payer,
        "return_window_days": store.return_window_days,
    }
    for flag in ("delivers_local", "delivers_national", "delivers_international", "delivers_digital"):
        if getattr(store, flag):
            data[flag] = "on"
    area = changes.pop("area", store.area)
    path = [*area_ancestors(area=area), area] if area is not None else []
    for name, area_at_level in zip(("country", "region", "district", "neighbourhood"), path + [None] * 4, strict=False):
        data[name] = "" if area_at_level is None else str(area_at_level.pk)
    by_weekday = {hours.weekday: hours for hours in store.hours.all()}
    rows = changes.pop("hours", None)
    data.update({"hours-TOTAL_FORMS": "7", "hours-INITIAL_FORMS": "7", "hours-MIN_NUM_FORMS": "0", "hours-MAX_NUM_FORMS": "7"})
    for weekday in range(7):
        if rows is not None:
            opens, closes, closed = rows[weekday]
        else:
            hours = by_weekday.get(weekday)
            opens = f"{hours.opens:%H:%M}" if hours and hours.opens else ""
            closes = f"{hours.closes:%H:%M}" if hours and hours.closes else ""
            closed = bool(hours and hours.closed)
        data[f"hours-{weekday}-weekday"] = str(weekday)
        data[f"hours-{weekday}-opens"] = opens
        data[f"hours-{weekday}-closes"] = closes
        if closed:
            data[f"hours-{weekday}-closed"] = "on"
    for key, value in changes.items():
        if value is None or value is False:
            data.pop(key, None)
        elif value is True:
            data[key] = "on"
        else:
            data[key] = value
    return data
