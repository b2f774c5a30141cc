"""Open sockets follow the login they were opened with.

Logout closes the sockets of that session. A password change or a deactivation closes
every socket of the user: the pages reconnect, and only sessions that still authenticate
get back in — after changing their own password the person stays logged in (Django
updates that session's hash), so their page reconnects; other sessions are refused.
Changes that bypass ``save()`` (a queryset ``update()``) are caught by the sockets'
periodic re-check.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, pre_save

from shop.core.services.realtime import session_group, sockets_close_on_commit, user_group

AUTH_FIELDS = ("password", "is_active")


def sessions_close_on_logout(sender, request, user, **kwargs):
    session_key = request.session.session_key if hasattr(request, "session") else None
    if session_key:
        sockets_close_on_commit(session_group(session_key))


def sockets_close_on_credentials_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not set(AUTH_FIELDS) & set(update_fields):
        return
    before = sender._default_manager.filter(pk=instance.pk).values(*AUTH_FIELDS).first()
    if before is None:
        return
    if before["password"] != instance.password or (before["is_active"] and not instance.is_active):
        sockets_close_on_commit(user_group(instance.pk))


def sockets_close_on_delete(sender, instance, **kwargs):
    sockets_close_on_commit(user_group(instance.pk))


def receivers_connect() -> None:
    user_model = get_user_model()
    user_logged_out.connect(sessions_close_on_logout, dispatch_uid="soko.sockets.logout")
    pre_save.connect(sockets_close_on_credentials_change, sender=user_model, dispatch_uid="soko.sockets.credentials")
    post_delete.connect(sockets_close_on_delete, sender=user_model, dispatch_uid="soko.sockets.delete")
