from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy, pgettext

from shop.core.selectors.currencies import STORE_CURRENCIES, currency_choices
from shop.core.validators import phone_validator, validate_time_zone


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


class Standing(models.TextChoices):
    GOOD = "good", gettext_lazy("In good standing")
    SUSPENDED = "suspended", gettext_lazy("Suspended")
    DEACTIVATED = "deactivated", gettext_lazy("Deactivated")


class User(AbstractUser):
    """A Soko account. Everyone can shop; selling and delivering are capabilities
    gained through a store membership or an approved courier profile."""

    username = None
    email = models.EmailField(gettext_lazy("email address"), unique=True)
    display_name = models.CharField(verbose_name=gettext_lazy("display name"), max_length=80, blank=True)
    # Preferences: pages, emails and notifications use them; empty means "not chosen yet"
    # (the browser's language and time zone, no conversions).
    language = models.CharField(verbose_name=gettext_lazy("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(verbose_name=gettext_lazy("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    display_currency = models.CharField(verbose_name=gettext_lazy("display currency"), max_length=3, choices=currency_choices(STORE_CURRENCIES), blank=True)
    # Standing, set by staff or by reports (shop.moderation): a suspended account may read its
    # orders but not sell, bid, chat or check out until ``suspended_until``; a deactivated one
    # may sign in only to read the notice and appeal. ``is_active`` stays for Django's own use.
    standing = models.CharField(
        verbose_name=gettext_lazy("standing"), max_length=12, choices=Standing.choices, default=Standing.GOOD
    )
    suspended_until = models.DateTimeField(verbose_name=gettext_lazy("suspended until"), null=True, blank=True)
    standing_reason = models.CharField(verbose_name=gettext_lazy("reason given"), max_length=500, blank=True)
    # The client address the account signed up from: reports from accounts made at one
    # address count as one (shop.moderation).
    signup_ip = models.GenericIPAddressField(verbose_name=gettext_lazy("signed up from"), null=True, blank=True, db_index=True)
    # Part of the session hash: raising it signs the account out of every browser.
    session_epoch = models.PositiveIntegerField(verbose_name=gettext_lazy("session generation"), default=0)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = gettext_lazy("user")
        verbose_name_plural = gettext_lazy("users")
        ordering = ["email"]

    def __str__(self):
        return self.display_name or self.email

    @property
    def short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def _get_session_auth_hash(self, secret=None):
        # Django checks this hash on every request: a new epoch ends every session at once.
        # Epoch 0 keeps Django's own hash, so sessions from before the epoch existed stay valid.
        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)
        return salted_hmac(
            "shop.accounts.User.session", f"{self.password}:{self.session_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @property
    def is_deactivated(self) -> bool:
        """May sign in only to read the notice and appeal."""
        return self.standing == Standing.DEACTIVATED

    @property
    def is_suspended_now(self) -> bool:
        """Suspended, with the end still ahead (an ended suspension restricts nothing, even
        before the periodic tidy sets the account back to good standing)."""
        return self.standing == Standing.SUSPENDED and (self.suspended_until is None or self.suspended_until > timezone.now())

    @property
    def is_restricted(self) -> bool:
        """May not sell, bid, chat or check out (suspended until a time still ahead, or deactivated)."""
        if self.standing == Standing.DEACTIVATED:
            return True
        return self.standing == Standing.SUSPENDED and (
            self.suspended_until is None or self.suspended_until > timezone.now()
        )


class Address(models.Model):
    """A delivery address in the user's address book. One may be the default."""

    user = models.ForeignKey(User, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(
        verbose_name=gettext_lazy("label"), max_length=40, blank=True, help_text=gettext_lazy("e.g. Work, Mum's place; left empty, it is “Home”.")
    )
    recipient = models.CharField(verbose_name=gettext_lazy("recipient"), max_length=80)
    phone = models.CharField(verbose_name=gettext_lazy("phone"), max_length=20, validators=[phone_validator])
    area = models.ForeignKey("geo.Area", verbose_name=gettext_lazy("area"), on_delete=models.PROTECT, related_name="+")
    street = models.CharField(gettext_lazy("Street, building and landmark"), max_length=200)
    latitude = models.DecimalField(verbose_name=gettext_lazy("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(verbose_name=gettext_lazy("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_default = models.BooleanField(verbose_name=gettext_lazy("is default"), default=False)
    created_at = models.DateTimeField(verbose_name=gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("address")
        verbose_name_plural = gettext_lazy("addresses")
        ordering = ["-is_default", "label", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=models.Q(is_default=True), name="one_default_address_per_user")
        ]

    def __str__(self):
        return f"{self.title}: {self.recipient}, {self.street}"

    @property
    def title(self) -> str:
        """The label the user gave, or "Home" in the reader's language."""
        return self.label or pgettext("address", "Home")
