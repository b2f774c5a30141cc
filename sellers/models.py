from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from shop.core.models import TimeStamped

phone_validator = RegexValidator(r"^\+?[0-9 ()-]{7,20}$", "Enter a phone number such as +254 712 345 678.")


class Store(TimeStamped):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=60, unique=True, help_text="Your store's address: /s/<slug>/")
    phone = models.CharField(max_length=20, validators=[phone_validator])
    area = models.CharField(max_length=120, help_text="Town or neighbourhood you sell from.")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Delivery scope: a store may offer several.
    delivers_local = models.BooleanField("Local delivery", default=True)
    delivers_national = models.BooleanField("National delivery", default=False)
    delivers_international = models.BooleanField("International delivery", default=False)
    delivers_digital = models.BooleanField("Digital delivery", default=False)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(default=0)
    orders_count = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False, help_text="Set by staff once the store's identity is checked.")
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="StoreMember", related_name="stores")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StoreMember(TimeStamped):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "user"], name="unique_store_member")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) at {self.store}"
