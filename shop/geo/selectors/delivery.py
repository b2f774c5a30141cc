"""Where a store delivers: the one rule for "does this store deliver home", and to where
(the store's scope flags against the area tree).

Scopes (``Store.delivers_*``): local is the store's town or city (``area_locality``: the
district, or the whole region where the region is one city, such as Conakry); national is
the store's country; international is anywhere. Pick-up at the store is always offered.
A store that has not said where it sells from (no area) can only check international
delivery; an address without an area gets home delivery only from such stores.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from shop.core.selectors.scripts import isolated_text
from shop.geo.models import Area
from shop.geo.selectors.areas import area_country, area_locality, area_within

if TYPE_CHECKING:  # stores sit above geo: the rule reads a store, never imports its app
    pass


def store_delivers_home(store: _("Store")) -> bool:
    """The store offers home delivery somewhere (pick-up at the store it always offers)."""
    return bool(store.delivers_local or store.delivers_national or store.delivers_international)


@dataclass(frozen=True)
class HomeDelivery:
    """Whether the store delivers to one address's area, and if not, why (for the shopper)."""

    offered: bool
    reason: str = ""


def store_home_delivery(*, store: _("Store"), area: Area | None) -> HomeDelivery:
    """Does ``store`` deliver home to ``area``? ``reason`` says why not, naming the store:
    "Kaloum Électronique delivers only within Conakry"."""
    if not store_delivers_home(store):
        return HomeDelivery(False, _("%(name)s does not deliver: pick your order up at the store.") % {"name": isolated_text(store.name)})
    if store.delivers_international:
        return HomeDelivery(True)
    if store.area_id is None:
        return HomeDelivery(False, _("%(name)s has not said where it delivers: pick your order up at the store.") % {"name": isolated_text(store.name)})
    if area is None:
        return HomeDelivery(False, _("Choose an address with its area to get home delivery from %(name)s.") % {"name": isolated_text(store.name)})
    if store.delivers_national:
        country = area_country(area=store.area)
        if not area_within(area=area, outer=country):
            return HomeDelivery(False, _("%(name)s delivers only within %(name2)s.") % {"name": isolated_text(store.name), "name2": country.name})
        return HomeDelivery(True)
    locality = area_locality(area=store.area)
    if not area_within(area=area, outer=locality):
        return HomeDelivery(False, _("%(name)s delivers only within %(name2)s.") % {"name": isolated_text(store.name), "name2": locality.name})
    return HomeDelivery(True)
