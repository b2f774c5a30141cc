from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .selectors.currencies import STORE_CURRENCIES, currency_choices, rates_forget


class TimeStamped(models.Model):
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class EmailKept(models.Model):
    """A row whose email a job sends (a notification's copy, an invoice…): at least once,
    whatever worker dies. ``shop.core.services.mail.email_once`` claims and marks these."""

    emailed_at = models.DateTimeField(verbose_name=_("emailed at"), null=True, blank=True)
    # Held by the worker sending the email; one older than the lease was held by a worker that was lost.
    email_claimed_at = models.DateTimeField(verbose_name=_("email claimed at"), null=True, blank=True)

    class Meta:
        abstract = True


class CurrencyRate(models.Model):
    """How many units of a currency one US dollar buys, as staff read it on a date. Used
    only to show shoppers approximate conversions, never to charge."""

    currency = models.CharField(_("currency"), max_length=3, choices=currency_choices(STORE_CURRENCIES))
    per_usd = models.DecimalField(
        _("units per US dollar"), max_digits=18, decimal_places=6, validators=[MinValueValidator(Decimal("0.000001"))]
    )
    as_of = models.DateField(_("rate date"), help_text=_("The day the rate was read (shown beside conversions)."))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["currency", "-as_of"]
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        constraints = [models.CheckConstraint(condition=models.Q(per_usd__gt=0), name="core_currencyrate_positive")]

    def __str__(self):
        return f"1 USD = {self.per_usd.normalize():f} {self.currency} ({self.as_of})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        rates_forget()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        rates_forget()
        return result


class PendingJob(models.Model):
    """A background job that could not be queued after its commit (the queue's Redis was
    unreachable): kept here until ``jobs_pending_enqueue`` queues it again."""

    name = models.CharField(_("job"), max_length=100)
    args = models.JSONField(_("arguments"), default=list)
    eta = models.DateTimeField(_("run at"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("pending job")
        verbose_name_plural = _("pending jobs")

    def __str__(self):
        return f"{self.name}{tuple(self.args)}"


class Heartbeat(models.Model):
    """The last time a background part said it was alive: the worker writes ``worker``
    every minute (``shop.core.tasks``), and readiness (``/healthz/ready``) reads it. In the
    database, which every web process and worker share in either mode."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    beat_at = models.DateTimeField(_("last beat at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self):
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
