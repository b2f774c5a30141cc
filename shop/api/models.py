from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class IdempotentRequest(models.Model):
    """A POST an app sent with an ``Idempotency-Key``, and the first answer to it
    (``shop.api.idempotency``). ``status`` is empty while the first request still runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("account"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(gettext_lazy("key"), max_length=255)
    fingerprint = models.CharField(gettext_lazy("fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(gettext_lazy("status"), null=True, blank=True)
    body = models.JSONField(gettext_lazy("answer"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("idempotent request")
        verbose_name_plural = gettext_lazy("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="api_idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return self.key
