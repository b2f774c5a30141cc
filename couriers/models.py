from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.models import TimeStamped
from shop.core.validators import phone_validator


class CourierProfile(TimeStamped):
    """A person who delivers. Only an approved profile makes a courier."""

    class Vehicle(models.TextChoices):
        FOOT = "foot", gettext_lazy("On foot")
        BICYCLE = "bicycle", gettext_lazy("Bicycle")
        MOTORBIKE = "motorbike", gettext_lazy("Motorbike")
        CAR = "car", gettext_lazy("Car")
        VAN = "van", gettext_lazy("Van or truck")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Awaiting approval")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Not approved")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="courier_profile")
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20, validators=[phone_validator])
    vehicle = models.CharField(verbose_name=gettext_lazy("vehicle"), max_length=12, choices=Vehicle.choices)
    service_area = models.CharField(verbose_name=gettext_lazy("service area"), max_length=120, help_text=gettext_lazy("Where you can deliver, e.g. Westlands, Nairobi."))
    status = models.CharField(verbose_name=gettext_lazy("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_at = models.DateTimeField(verbose_name=gettext_lazy("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("reviewed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.user} ({self.get_vehicle_display()}, {self.service_area})"

    class Meta:
        verbose_name = gettext_lazy("courier profile")
        verbose_name_plural = gettext_lazy("courier profiles")


class HandoverCode(models.Model):
    """The cash-on-delivery handover code shown as a QR on the buyer's order page.

    The code is HMAC(SECRET_KEY, nonce) with a 128-bit ``nonce`` from ``secrets``: the
    database alone (nonce, hash) reveals no code; only its SHA-256 is used to look it
    up. Single use, expiring, bound to one order, carrying no amount.
    """

    order = models.OneToOneField("orders.Order", verbose_name=gettext_lazy("order"), on_delete=models.CASCADE, related_name="handover_code")
    nonce = models.BinaryField(verbose_name=gettext_lazy("nonce"), max_length=16)
    code_hash = models.CharField(verbose_name=gettext_lazy("code hash"), max_length=64, unique=True)
    short_code_hash = models.CharField(verbose_name=gettext_lazy("short code hash"), max_length=64, help_text=gettext_lazy("Hash of the numeric fallback, checked with the order number."))
    expires_at = models.DateTimeField(verbose_name=gettext_lazy("expires at"))
    used_at = models.DateTimeField(verbose_name=gettext_lazy("used at"), null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(verbose_name=gettext_lazy("failed attempts"), default=0)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("handover code")
        verbose_name_plural = gettext_lazy("handover codes")

    def __str__(self):
        return _("Handover code of order %(order_id)s") % {"order_id": self.order_id}
