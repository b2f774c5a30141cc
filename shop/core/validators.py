import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

phone_validator = RegexValidator(r"^\+?[0-9 ()-]{7,20}$", _("Enter a phone number such as +254 712 345 678."))


@lru_cache(maxsize=1)
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(
            _("%(value)s is not a time zone we know; choose one such as Africa/Nairobi."),
            code="time_zone",
            params={"value": value},
        )
