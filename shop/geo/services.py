import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from .models import Area, AreaKind, kind_below

DATA_DIR = Path(__file__).resolve().parent / "data"


class AreaDataError(Exception):
    """A data file is missing or does not describe a valid tree."""


@dataclass
class AreaLoadResult:
    country: Area | None = None
    by_kind: Counter = field(default_factory=Counter)  # areas in the file, per kind
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def area_upsert(
    *,
    parent: Area | None,
    name: str,
    slug: str = "",
    kind: str | None = None,
    code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    is_city: bool = False,
) -> tuple[Area, str]:
    """Create the area named ``slug`` under ``parent``, or bring the existing one up to date.

    The kind defaults to one level below the parent's (a country without a parent).
    Returns the area and what happened: "created", "updated" or "unchanged".
    """
    slug = slug or slugify(name)
    if kind is None:
        kind = AreaKind.COUNTRY if parent is None else kind_below(parent.kind)
        if kind is None:
            raise AreaDataError(f"{parent.full_name} is a neighbourhood; nothing goes below it.")
    values = {
        "name": name,
        "kind": kind,
        "code": code.strip().upper(),
        "latitude": latitude,
        "longitude": longitude,
        "is_city": is_city,
    }
    area = Area.objects.select_for_update().filter(parent=parent, slug=slug).first()
    if area is None:
        area = Area(parent=parent, slug=slug, **values)
        outcome = "created"
    else:
        if all(getattr(area, field_name) == value for field_name, value in values.items()):
            return area, "unchanged"
        for field_name, value in values.items():
            setattr(area, field_name, value)
        outcome = "updated"
    area.full_clean()
    area.save()
    return area, outcome


def area_data_countries() -> list[str]:
    """ISO codes of the countries shipped in ``shop/geo/data`` ("GN", "KE", "PK")."""
    return sorted(path.stem.upper() for path in DATA_DIR.glob("*.json"))


def _area_data_read(code: str) -> dict:
    path = DATA_DIR / f"{code.lower()}.json"
    if not path.is_file():
        raise AreaDataError(f"No area data for {code!r}; available: {', '.join(area_data_countries())}.")
    # Decimal, so 9.5092 is stored as 9.5092 and not as the nearest binary float.
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def _area_tree_load(*, node: dict, parent: Area | None, result: AreaLoadResult) -> Area:
    try:
        area, outcome = area_upsert(
            parent=parent,
            name=node["name"],
            slug=node.get("slug", ""),
            code=node.get("code") or "",
            latitude=node.get("latitude"),
            longitude=node.get("longitude"),
            is_city=bool(node.get("city", False)),
        )
    except ValidationError as exc:
        where = f"{node.get('name')!r} in {parent.full_name}" if parent else repr(node.get("name"))
        raise AreaDataError(f"{where}: {'; '.join(exc.messages)}") from exc
    result.by_kind[area.kind] += 1
    setattr(result, outcome, getattr(result, outcome) + 1)
    for child in node.get("children", []):
        _area_tree_load(node=child, parent=area, result=result)
    return area


def areas_load(*, country_codes: list[str] | None = None) -> list[AreaLoadResult]:
    """Load the shipped area trees (all of them, or the countries named). Safe to repeat.

    Each country is one transaction: a file that fails validation leaves that country
    as it was.
    """
    codes = [code.upper() for code in country_codes] if country_codes else area_data_countries()
    trees = {code: _area_data_read(code) for code in codes}  # every file is found before anything is written
    results = []
    for _code, tree in trees.items():
        with transaction.atomic():
            result = AreaLoadResult()
            result.country = _area_tree_load(node=tree, parent=None, result=result)
        results.append(result)
    return results
