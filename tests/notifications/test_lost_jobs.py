"""An email copy whose job was lost (a queue that restarted empty, a worker killed while it
held the job) is sent by the minute's sweep, ``notifications_sweep``, once it has waited
``SOKO_EMAIL_RETRY_AFTER_MINUTES``; and only once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.notifications.models import Notification
from shop.notifications.services.notifications import notifications_sweep, notify

pytestmark = pytest.mark.django_db


def test_an_email_whose_job_was_lost_is_sent(user, mailoutbox, settings, jobs_lost, django_capture_on_commit_callbacks):
    with jobs_lost() as lost, django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind="order", text="Your order #1042 is on its way", email=True)

    assert lost == ["notifications.email_send"]
    assert mailoutbox == []
    assert notifications_sweep()["emails_retried"] == 0  # too soon to call the job lost

    waited = timedelta(minutes=settings.SOKO_EMAIL_RETRY_AFTER_MINUTES, seconds=1)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - waited)
    assert notifications_sweep()["emails_retried"] == 1

    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([user.email], "Soko: Your order #1042 is on its way")
    ]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notifications_sweep()["emails_retried"] == 0
    assert len(mailoutbox) == 1
