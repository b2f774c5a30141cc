import factory
from django.utils.text import slugify

from shop.geo.models import Area, AreaKind, kind_below


class AreaFactory(factory.django.DjangoModelFactory):
    """A country by default; give a ``parent`` and the kind follows one level below it."""

    class Meta:
        model = Area

    parent = None
    name = factory.Sequence(lambda n: f"Place {n}")
    slug = factory.LazyAttribute(lambda area: slugify(area.name))
    kind = factory.LazyAttribute(lambda area: kind_below(area.parent.kind) if area.parent else AreaKind.COUNTRY)
    code = ""
