"""Email copies: a subject is one line whatever the text, and a failure that would repeat
is recorded once instead of being retried by every sweep. Sent through a local SMTP
server that answers as a real one does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shop.core.services.mail import mail_subject
from shop.core.tasks import send_email_task
from shop.notifications.models import Notification
from shop.notifications.services.notifications import notification_email_send, notifications_sweep
from tests.factories import NotificationFactory
from tests.fakes.smtp import FakeSmtpServer, SmtpBehaviour

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp(settings):
    behaviour = SmtpBehaviour()
    with FakeSmtpServer(behaviour) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", server.port, False
        yield behaviour


def stale(notification):
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=30))


def test_a_cancel_note_with_line_breaks_makes_a_one_line_subject(user, smtp):
    notification = NotificationFactory(user=user, email_wanted=True, text="Order 7 was cancelled:\r\nout of stock\nsorry")

    assert notification_email_send(notification_id=notification.pk) is True

    assert len(smtp.received) == 1
    assert b"Subject: Soko: Order 7 was cancelled: out of stock sorry\r\n" in smtp.received[0]


def test_a_refused_recipient_is_marked_failed_and_never_retried(user, smtp):
    smtp.rcpt_reply = "550 5.1.1 No such user here"
    notification = NotificationFactory(user=user, email_wanted=True, text="Your order shipped")

    assert notification_email_send(notification_id=notification.pk) is False

    notification.refresh_from_db()
    assert notification.email_failed_at is not None
    assert "550" in notification.email_error
    stale(notification)
    assert notifications_sweep()["emails_retried"] == 0
    assert smtp.received == []


def test_a_busy_server_releases_the_claim_for_the_sweep(user, smtp):
    smtp.rcpt_reply = "451 4.7.1 Try again later"
    notification = NotificationFactory(user=user, email_wanted=True, text="Your order shipped")

    with pytest.raises(Exception, match="451"):
        notification_email_send(notification_id=notification.pk)

    notification.refresh_from_db()
    assert notification.emailed_at is None and notification.email_failed_at is None
    smtp.rcpt_reply = "250 OK"
    stale(notification)
    assert notifications_sweep()["emails_retried"] == 1
    assert len(smtp.received) == 1


def test_the_email_task_gives_up_on_a_refused_recipient_at_once(smtp, caplog):
    smtp.rcpt_reply = "550 5.1.1 No such user here"

    send_email_task(subject="Invitation\nto a store", body="Hello", to=["nobody@example.test"])

    assert "not retried" in caplog.text
    assert smtp.received == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a\nb", "a b"), ("  a \t b  ", "a b"), ("x" * 300, "x" * 119 + "…"), ("Karibu\u2028sana", "Karibu sana")],
)
def test_subjects_are_one_short_line(text, expected):
    assert mail_subject(text) == expected
