from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy

from shop.core.models import EmailKept, TimeStamped


class Notification(TimeStamped, EmailKept):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=gettext_lazy("user"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(verbose_name=gettext_lazy("kind"), max_length=30, help_text=gettext_lazy("What it is about: order, bid, chat, courier, system…"))
    # In the recipient's language when it was written: the email copy's, and the one shown
    # where ``texts`` has none for the reader's language.
    text = models.CharField(verbose_name=gettext_lazy("text"), max_length=300)
    # The same text in each of the site's languages, so a recipient who switches language
    # reads the notifications they already have in the new one. Empty for a text that was
    # not translatable (given already rendered).
    texts = models.JSONField(verbose_name=gettext_lazy("text in each language"), default=dict, blank=True)
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
    def shown_text(self) -> str:
        """The text in the language being spoken now (the reader's)."""
        return self.texts.get(translation.get_language()) or self.text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
