from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped


class AreaKind(models.TextChoices):
    COUNTRY = "country", gettext_lazy("Country")
    REGION = "region", gettext_lazy("Region")
    DISTRICT = "district", gettext_lazy("District")
    NEIGHBOURHOOD = "neighbourhood", gettext_lazy("Neighbourhood")


# The tree's levels from the top; an area sits exactly one level below its parent.
KIND_LEVELS: tuple[str, ...] = tuple(AreaKind.values)


def kind_below(kind: str) -> str | None:
    """The kind one level down from ``kind`` (``None`` under a neighbourhood)."""
    level = KIND_LEVELS.index(kind)
    return KIND_LEVELS[level + 1] if level + 1 < len(KIND_LEVELS) else None


def kind_above(kind: str) -> str | None:
    """The kind of the parent an area of ``kind`` must have (``None`` for a country)."""
    level = KIND_LEVELS.index(kind)
    return KIND_LEVELS[level - 1] if level > 0 else None


class AreaQuerySet(models.QuerySet):
    def with_ancestors(self):
        # The tree is at most four deep, so three joins reach any area's country.
        return self.select_related("parent__parent__parent")


class Area(TimeStamped):
    """A place a shopper lives in or a courier serves: country > region > district > neighbourhood.

    Region, district and neighbourhood are Soko's words, not each country's: a Guinean
    region holds prefectures (and Conakry its communes), a Kenyan region is a county, a
    Pakistani one a province or territory. See ``shop/geo/data/README.md``.
    """

    Kind = AreaKind

    name = models.CharField(verbose_name=gettext_lazy("name"), max_length=120)
    slug = models.SlugField(verbose_name=gettext_lazy("slug"), max_length=140, help_text=gettext_lazy("Unique among the parent's children; URL- and file-friendly."))
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=20, choices=AreaKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=gettext_lazy("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text=gettext_lazy("Empty for a country; otherwise the area one level up."),
    )
    code = models.CharField(verbose_name=gettext_lazy("code"),
        max_length=10,
        blank=True,
        help_text=gettext_lazy("Optional short code: ISO 3166-1 for a country (GN, KE, PK), ISO 3166-2 below (GN-C, KE-47)."),
    )
    latitude = models.DecimalField(verbose_name=gettext_lazy("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(verbose_name=gettext_lazy("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_city = models.BooleanField(
        gettext_lazy("one city"),
        default=False,
        help_text=gettext_lazy("A region that is one city split into communes (Conakry): local delivery covers all of it."),
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("area")
        verbose_name_plural = gettext_lazy("areas")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="geo_area_slug_unique_in_parent"),
            # NULL parents never collide in the constraint above, so countries need their own.
            models.UniqueConstraint(
                fields=["slug"], condition=Q(parent__isnull=True), name="geo_area_country_slug_unique"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(parent__isnull=True) & ~Q(code=""),
                name="geo_area_country_code_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind=AreaKind.COUNTRY, parent__isnull=True)
                | (~Q(kind=AreaKind.COUNTRY) & Q(parent__isnull=False)),
                name="geo_area_only_countries_are_roots",
                violation_error_message=gettext_lazy("A country has no parent, and every other area has one."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="geo_area_latitude_range",
                violation_error_message=gettext_lazy("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="geo_area_longitude_range",
                violation_error_message=gettext_lazy("Longitude must be between -180 and 180."),
            ),
        ]
        indexes = [models.Index(fields=["parent", "kind"], name="geo_area_parent_kind_idx")]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """The area, then each ancestor up to its country: "Kaloum, Conakry, Guinea".

        Walks ``parent``; load areas with ``Area.objects.with_ancestors()`` (or use
        ``selectors.area_ancestors``) to build it without a query per level.
        """
        names = []
        area = self
        while area is not None:
            names.append(area.name)
            area = area.parent
        return ", ".join(names)

    def clean(self):
        super().clean()
        if self.code:
            self.code = self.code.strip().upper()
        if self.kind not in KIND_LEVELS:
            return  # the field's own validation reports a bad choice
        errors = {}
        expected_parent_kind = kind_above(self.kind)
        if expected_parent_kind is None:
            if self.parent_id is not None:
                errors["parent"] = "A country is the top of the tree and has no parent."
        elif self.parent_id is None:
            errors["parent"] = _("A %(lower)s needs a %(expected_parent_kind)s.") % {"lower": self.get_kind_display().lower(), "expected_parent_kind": expected_parent_kind}
        elif self.parent.kind != expected_parent_kind:
            errors["parent"] = (
                _("A %(lower)s belongs in a %(expected_parent_kind)s; %(name)s is a %(lower2)s.") % {"lower": self.get_kind_display().lower(), "expected_parent_kind": expected_parent_kind, "name": self.parent.name, "lower2": self.parent.get_kind_display().lower()}
            )
        if self.pk is not None and self.children.exclude(kind=kind_below(self.kind)).exists():
            errors["kind"] = "The areas inside this one would no longer be one level below it; move them first."
        if errors:
            raise ValidationError(errors)
