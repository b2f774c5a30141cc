from django.conf import settings
from django.db import models

from shop.core.models import TimeStamped
from shop.core.validators import phone_validator


class CourierProfile(TimeStamped):
    """A person who delivers. Only an approved profile makes a courier."""

    class Vehicle(models.TextChoices):
        FOOT = "foot", "On foot"
        BICYCLE = "bicycle", "Bicycle"
        MOTORBIKE = "motorbike", "Motorbike"
        CAR = "car", "Car"
        VAN = "van", "Van or truck"

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Not approved"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="courier_profile")
    phone = models.CharField(max_length=20, validators=[phone_validator])
    vehicle = models.CharField(max_length=12, choices=Vehicle.choices)
    service_area = models.CharField(max_length=120, help_text="Where you can deliver, e.g. Westlands, Nairobi.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self):
        return f"{self.user} ({self.get_vehicle_display()}, {self.service_area})"


class HandoverCode(models.Model):
    """The cash-on-delivery handover code shown as a QR on the buyer's order page.

    The code is HMAC(SECRET_KEY, nonce) with a 128-bit ``nonce`` from ``secrets``: the
    database alone (nonce, hash) reveals no code; only its SHA-256 is used to look it
    up. Single use, expiring, bound to one order, carrying no amount.
    """

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="handover_code")
    nonce = models.BinaryField(max_length=16)
    code_hash = models.CharField(max_length=64, unique=True)
    short_code_hash = models.CharField(max_length=64, help_text="Hash of the numeric fallback, checked with the order number.")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"Handover code of order {self.order_id}"
