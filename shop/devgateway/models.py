from django.db import models
from django.utils.translation import gettext_lazy


class DevProviderObject(models.Model):
    """An object of the development gateway's offline Stripe (``shop.devgateway.services``):
    a Checkout Session, a PaymentIntent, an Event… stored as Stripe's JSON, so the web
    process and the worker see the same ones. The table keeps the name it had when the
    model lived in the payments app."""

    id = models.CharField(primary_key=True, max_length=100)
    kind = models.CharField(max_length=40, db_index=True)
    data = models.JSONField()
    idempotency_key = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "payments_devproviderobject"
        verbose_name = gettext_lazy("development gateway object")
        verbose_name_plural = gettext_lazy("development gateway objects")
        ordering = ["created_at", "id"]

    def __str__(self):
        return self.id
