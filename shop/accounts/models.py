from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models

from shop.core.validators import phone_validator


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A Soko account. Everyone can shop; selling and delivering are capabilities
    gained through a store membership or an approved courier profile."""

    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(max_length=80, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.display_name or self.email

    @property
    def short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]


class Address(models.Model):
    """A delivery address in the user's address book. One may be the default."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(max_length=40, default="Home", help_text="e.g. Home, Work, Mum's place")
    recipient = models.CharField(max_length=80)
    phone = models.CharField(max_length=20, validators=[phone_validator])
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="+")
    street = models.CharField("Street, building and landmark", max_length=200)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True), name="one_default_address_per_user")
        ]

    def __str__(self):
        return f"{self.label}: {self.recipient}, {self.street}"
