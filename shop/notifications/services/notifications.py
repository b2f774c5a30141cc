import contextlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.i18n import recipient_language, speaking_to
from shop.core.services.mail import email_once, mail_send, mail_subject, site_url
from shop.core.services.realtime import push_html_on_commit, user_group
from shop.notifications.models import Notification
from shop.notifications.selectors import unread_count

logger = logging.getLogger(__name__)


def notify(*, user, kind: str, text, url: str = "", email: bool = False) -> Notification:
    """Store a notification in the caller's transaction (it stands or falls with what caused
    it: a process dying after the commit cannot lose it), then, after commit, render and push
    it to the user's open pages and, when asked, send an email copy through Huey (the sweep
    retries an email that did not go). Nothing is rendered before the commit, so a caller
    holding a row lock holds it for one insert.

    ``text`` is rendered in the recipient's language (build it with ``lazy_text``), whoever
    caused it: the notification keeps that text, and the email copy is in it too. A lazy
    text is also kept in each of the site's languages (in the recipient's time zone), so
    the notification reads in whichever language its recipient later chooses."""
    with speaking_to(user):
        texts = _in_each_language(text) if isinstance(text, Promise) else {}
        shown = texts.get(recipient_language(user)) or str(text)[:300]
        notification = Notification.objects.create(user=user, kind=kind, text=shown, texts=texts, url=url, email_wanted=email)
    transaction.on_commit(lambda: _push_new(notification), robust=True)
    if email:
        job_enqueue_on_commit("notifications.email_send", notification.pk)
    return notification


def _in_each_language(text) -> dict[str, str]:
    said = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            said[language] = str(text)[:300]
    return said


def _push_new(notification: Notification) -> None:
    user = notification.user
    with speaking_to(user):
        push_html_on_commit(
            user_group(user.pk),
            _push_fragment(notification),
            event="notification.new",
            data={
                "id": notification.pk,
                "kind": notification.kind,
                "text": notification.text,
                "url": notification.url,
                "unread": unread_count(user=user),
            },
        )


def _push_fragment(notification: Notification) -> str:
    return render_to_string(
        "notifications/_push.html",
        {"notification": notification, "unread_notifications": unread_count(user=notification.user)},
    )


def notifications_mark_read(*, user, pk: int | None = None) -> int:
    """Mark one notification (or all, when ``pk`` is None) of this user as read."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    count = unread.update(read_at=timezone.now())
    unread = unread_count(user=user)
    with speaking_to(user):
        fragment = render_to_string("notifications/_bell_count.html", {"unread_notifications": unread, "oob": True})
    push_html_on_commit(user_group(user.pk), fragment, event="notifications.read", data={"unread": unread})
    return count


def notification_email_send(*, notification_id: int) -> bool:
    """Send the email copy once, whatever worker dies (``email_once``). A failure that would
    repeat (a refused address) is recorded and never retried; any other failure releases
    the claim for the sweep."""
    now = timezone.now()
    return bool(
        email_once(
            Notification,
            notification_id,
            unsent=Q(email_wanted=True, emailed_at__isnull=True, email_failed_at__isnull=True),
            send=lambda: _notification_email(notification_id),
            sent={"emailed_at": now},
            refused=lambda error: {"email_failed_at": now, "email_error": str(error)[:300]},
        )
    )


def _notification_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    with speaking_to(notification.user):
        body = render_to_string(
            "notifications/email.txt",
            {
                "notification": notification,
                "site_name": settings.SOKO_SITE_NAME,
                "url": site_url(notification.url) if notification.url else "",
            },
        )
        subject = mail_subject(f"{settings.SOKO_SITE_NAME}: {notification.text}")
    mail_send(subject=subject, body=body, to=[notification.user.email])


def notifications_sweep() -> dict:
    """Retry email copies that never went out; forget read notifications past retention."""
    now = timezone.now()
    stale = Notification.objects.filter(
        email_wanted=True,
        emailed_at__isnull=True,
        email_failed_at__isnull=True,
        created_at__lt=now - timedelta(minutes=settings.SOKO_EMAIL_RETRY_AFTER_MINUTES),
    ).values_list("pk", flat=True)[:200]
    retried = 0
    for pk in stale:
        with contextlib.suppress(Exception):  # still unsent; the next sweep tries again
            retried += notification_email_send(notification_id=pk)
    cutoff = now - timedelta(days=settings.SOKO_NOTIFICATION_RETENTION_DAYS)
    deleted, _ = Notification.objects.filter(read_at__lt=cutoff).delete()
    return {"emails_retried": retried, "notifications_deleted": deleted}
