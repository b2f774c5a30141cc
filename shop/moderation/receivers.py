"""What the moderation log hears from the apps below it (they cannot import it): staff
actions on their own records, sent as ``shop.core.signals.staff_acted``."""

from django.dispatch import receiver

from shop.core.signals import staff_acted

from .models import LogEntry
from .services.log import log_action


@receiver(staff_acted, dispatch_uid="moderation.log_staff_action")
def log_staff_action(sender, *, actor, action, target, reason="", before=None, after=None, **kwargs):
    LogEntry.Action(action)  # an action the log does not know is a mistake in the sender
    log_action(actor=actor, action=action, target=target, reason=reason or "", before=before, after=after)
