
from django.conf import settings
from django.db.models import QuerySet

from shop.geo.models import Area, AreaKind


def area_countries() -> QuerySet[Area]:
    return Area.objects.filter(parent__isnull=True, kind=AreaKind.COUNTRY)


def area_ancestors(*, area: Area) -> list[Area]:
    """The areas above ``area``, country first: [Guinea, Conakry] for Kaloum. One query at most.

    The tree is at most four deep, so one query with two joins from the parent reaches the
    country; an area whose parents are already loaded costs none.
    """
    if not _parents_loaded(area):
        # Cached on the caller's instance, so its `full_name` walks the loaded chain too.
        area.parent = Area.objects.select_related("parent__parent").get(pk=area.parent_id)
    ancestors = []
    parent = area.parent
    while parent is not None:
        ancestors.append(parent)
        parent = parent.parent
    ancestors.reverse()
    return ancestors


def area_path(*, area: Area | None) -> list[Area]:
    """Country first, down to ``area`` itself; empty without one."""
    return [*area_ancestors(area=area), area] if area is not None else []


def _parents_loaded(area: Area) -> bool:
    while area.parent_id is not None:
        if not Area.parent.is_cached(area):
            return False
        area = area.parent
    return True


def area_choices(*, parent: Area | int | None) -> list[tuple[int, str]]:
    """(id, name) pairs for the select below ``parent``: countries when there is none.

    The cascading address selects (country → region → district → neighbourhood) ask for
    the next level with the id picked in the one above; an unknown id or a neighbourhood
    gives an empty list, which hides the next select.
    """
    areas = area_countries() if parent is None else Area.objects.filter(parent=parent)
    return list(areas.values_list("id", "name"))


def area_children(*, parent: int | None) -> list[Area]:
    """The areas one level below ``parent`` (countries when there is none), by name, each
    with ``has_children``: an address names an area that has none (the address page's
    rule). Two queries."""
    areas = list((area_countries() if parent is None else Area.objects.filter(parent_id=parent)).order_by("name"))
    parents = set(Area.objects.filter(parent_id__in=[area.pk for area in areas]).values_list("parent_id", flat=True).distinct())
    for area in areas:
        area.has_children = area.pk in parents
    return areas


def area_locality(*, area: Area) -> Area:
    """The town or city ``area`` lies in: what "local" means for a store's delivery.

    That is the district (a Guinean prefecture or Conakry commune's city, a Kenyan town,
    a Pakistani city), except in a region that is one city (``is_city``: Conakry), where
    it is the whole region; an area above district level is its own locality (a store
    that only gave its Kenyan county delivers in that county).
    """
    path = area_path(area=area)
    region = next((place for place in path if place.kind == AreaKind.REGION), None)
    if region is not None and region.is_city:
        return region
    district = next((place for place in path if place.kind == AreaKind.DISTRICT), None)
    return district or area


def area_country(*, area: Area) -> Area:
    return area_path(area=area)[0]


def area_within(*, area: Area, outer: Area) -> bool:
    """``area`` is ``outer`` or lies inside it."""
    return any(place.pk == outer.pk for place in area_path(area=area))


def map_settings() -> dict:
    """The map tiles the address and store pickers draw on."""
    return {"tile_url": settings.SOKO_MAP_TILE_URL, "attribution": settings.SOKO_MAP_TILE_ATTRIBUTION}
