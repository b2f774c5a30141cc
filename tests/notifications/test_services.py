from datetime import timedelta

import pytest
from django.utils import timezone

from shop.notifications.models import Notification
from shop.notifications.services.notifications import (
    notification_email_send,
    notifications_mark_read,
    notifications_sweep,
    notify,
)
from shop.notifications.tasks import notifications_sweep_task
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def age(notification: Notification, **delta) -> None:
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_notify_stores_the_notification_for_that_user_only(user):
    other = UserFactory()

    notification = notify(user=user, kind="order", text="Order #1042 confirmed", url="/orders/1042/")

    assert list(Notification.objects.values_list("user_id", "kind", "text", "url")) == [
        (user.pk, "order", "Order #1042 confirmed", "/orders/1042/")
    ]
    assert notification.read_at is None
    assert not other.notifications.exists()


def test_notify_with_email_sends_exactly_one_copy_after_commit(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind="order", text="Your order #1042 is on its way", email=True)
        assert mailoutbox == []  # nothing leaves before the transaction commits

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [user.email]
    assert "Your order #1042 is on its way" in mailoutbox[0].subject
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_sending_the_email_copy_twice_still_sends_one(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind="order", text="Parcel delivered", email=True)

    assert notification_email_send(notification_id=notification.pk) is False
    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


def test_notification_without_email_sends_none(user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(user=user, kind="chat", text="New message")

    assert notification_email_send(notification_id=notification.pk) is False
    assert mailoutbox == []


def test_sweep_retries_a_stale_unsent_email_and_forgets_old_read_notifications(user, mailoutbox, settings):
    settings.SOKO_EMAIL_RETRY_AFTER_MINUTES = 5
    settings.SOKO_NOTIFICATION_RETENTION_DAYS = 90
    dropped = NotificationFactory(user=user, email_wanted=True, text="Order #7 needs your attention")
    age(dropped, minutes=6)
    just_sent_to_queue = NotificationFactory(user=user, email_wanted=True)
    old_read = NotificationFactory(user=user, read_at=timezone.now() - timedelta(days=91))
    recent_read = NotificationFactory(user=user, read_at=timezone.now() - timedelta(days=89))
    old_unread = NotificationFactory(user=user)
    age(old_unread, days=200)

    result = notifications_sweep()

    assert result == {"emails_retried": 1, "notifications_deleted": 1}
    assert [m.subject for m in mailoutbox] == ["Soko: Order #7 needs your attention"]
    remaining = set(Notification.objects.values_list("pk", flat=True))
    assert remaining == {dropped.pk, just_sent_to_queue.pk, recent_read.pk, old_unread.pk}
    assert old_read.pk not in remaining
    just_sent_to_queue.refresh_from_db()
    assert just_sent_to_queue.emailed_at is None  # its own task is still due to send it


def test_running_the_sweep_again_changes_nothing_more(user, mailoutbox):
    stale = NotificationFactory(user=user, email_wanted=True)
    age(stale, hours=1)
    NotificationFactory(user=user, read_at=timezone.now() - timedelta(days=365))
    notifications_sweep()
    before = list(Notification.objects.order_by("pk").values_list("pk", "read_at", "emailed_at"))

    assert notifications_sweep() == {"emails_retried": 0, "notifications_deleted": 0}
    assert list(Notification.objects.order_by("pk").values_list("pk", "read_at", "emailed_at")) == before
    assert len(mailoutbox) == 1


def test_periodic_sweep_task_runs_the_notification_sweep(user, mailoutbox):
    stale = NotificationFactory(user=user, email_wanted=True)
    age(stale, hours=1)

    result = notifications_sweep_task.call_local()

    assert (result["emails_retried"], result["notifications_deleted"]) == (1, 0)
    assert len(mailoutbox) == 1


def test_marking_all_read_leaves_other_users_alone(user):
    NotificationFactory.create_batch(2, user=user)
    theirs = NotificationFactory(user=UserFactory())

    assert notifications_mark_read(user=user) == 2
    assert notifications_mark_read(user=user) == 0
    theirs.refresh_from_db()
    assert theirs.read_at is None
