from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from shop.core.models import EmailKept, TimeStamped


class Notification(TimeStamped, EmailKept):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=30, help_text=gettext_lazy("What it is about: order, bid, chat, courier, system…"))
    text = models.CharField(verbose_name=gettext_lazy("text"), max_length=300)
    url = models.CharField(verbose_name=gettext_lazy("url"), max_length=300, blank=True)
    read_at = models.DateTimeField(verbose_name=gettext_lazy("read at"), null=True, blank=True)
    email_wanted = models.BooleanField(verbose_name=gettext_lazy("email wanted"), default=False)
    # Set when the email copy failed for good (refused address…): the sweep does not retry it.
    email_failed_at = models.DateTimeField(verbose_name=gettext_lazy("email failed at"), null=True, blank=True)
    email_error = models.CharField(verbose_name=gettext_lazy("email error"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("notification")
        verbose_name_plural = gettext_lazy("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return f"{self.kind}: {self.text}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
