"""Account actions: warn, suspend for a period, deactivate, reinstate; appeals against them.

Each action is one ``AccountAction`` (the reason is shown to the person, on their notice
page and in a notification), one log entry, and a change of ``User.standing``.

What each standing means everywhere (``shop.accounts.selectors.standing`` holds the rule):

- **suspended** until a time: the person may read their orders and appeal, but not sell,
  bid, chat or check out; their chat sockets close. It ends by itself at its end
  (``suspensions_expire``, every few minutes, sets the standing back and logs it).
- **deactivated**: the session epoch goes up (signed out of every browser at the next
  request) and every socket of the account closes after commit. Signing in again shows only
  the notice and the appeal form. Soko stops bidding for them (each proxy maximum comes down
  to what they already bid; bids placed stand), open second-chance offers to them are
  declined (passed on to the next bidder), and the listings and open auctions of the stores
  they own (with no other owner in good standing) are hidden. What was hidden is kept, field
  by field, in the deactivation's log entry (``after["hidden"]``); leaving deactivation
  (reinstated, or suspended instead) writes back exactly that, only where the row still
  holds what the deactivation wrote, and not where a take-down is in force.
"""

import logging
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from sellers.models import StoreMember
from shop.accounts.models import Standing
from shop.auctions.models import Auction
from shop.auctions.services import offers_decline_all, proxy_bids_cancel
from shop.catalog.models import Product
from shop.core.selectors.i18n import lazy_text
from shop.core.services.realtime import group_send, user_group
from shop.notifications.services.notifications import notify

from ..models import AccountAction, Appeal, LogEntry, Takedown
from ..selectors.log import entries_for
from ..services.log import log_action

log = logging.getLogger(__name__)


class AccountActionError(Exception):
    pass


class AppealError(Exception):
    pass


_LOG_ACTION = {
    AccountAction.Kind.WARN: LogEntry.Action.WARN,
    AccountAction.Kind.SUSPEND: LogEntry.Action.SUSPEND,
    AccountAction.Kind.DEACTIVATE: LogEntry.Action.DEACTIVATE,
    AccountAction.Kind.REINSTATE: LogEntry.Action.REINSTATE,
}
_NOTICE = {
    AccountAction.Kind.WARN: gettext_lazy("%(site)s staff sent you a warning: %(reason)s"),
    AccountAction.Kind.SUSPEND: gettext_lazy("Your account is suspended until %(until)s: %(reason)s"),
    AccountAction.Kind.DEACTIVATE: gettext_lazy("Your account is deactivated: %(reason)s"),
    AccountAction.Kind.REINSTATE: gettext_lazy("Your account is in good standing again: %(reason)s"),
}
# The socket message each new standing sends to the account's pages (after commit).
_SOCKET_EVENT = {
    AccountAction.Kind.DEACTIVATE: "account.closed",
    AccountAction.Kind.SUSPEND: "account.restricted",
}
APPEAL_MAX = Appeal._meta.get_field("text").max_length
RESPONSE_MAX = Appeal._meta.get_field("response").max_length


def _standing(user) -> dict:
    until = user.suspended_until.isoformat() if user.suspended_until else None
    return {"standing": user.standing, "suspended_until": until, "reason": user.standing_reason}


def _sockets_tell_on_commit(user_id: int, event: str) -> None:
    def send():
        try:
            group_send(user_group(user_id), {"type": event})
        except Exception:  # best effort: the sockets' periodic re-check closes them anyway
            log.exception("telling the sockets of user %s failed", user_id)

    transaction.on_commit(send, robust=True)


# --- What a deactivation hides, and putting it back ------------------------------------------


def _change(row, field: str, before, after) -> dict:
    return {"model": row._meta.label_lower, "pk": row.pk, "field": field, "before": before, "after": after}


def _stores_to_hide(user) -> list[int]:
    """The stores ``user`` owns that no other owner in good standing keeps open."""
    owned = StoreMember.objects.filter(user=user, role=StoreMember.Role.OWNER).values_list("store_id", flat=True)
    others = (
        StoreMember.objects.filter(store_id__in=owned, role=StoreMember.Role.OWNER)
        .exclude(user=user)
        .exclude(user__standing=Standing.DEACTIVATED)
        .values_list("store_id", flat=True)
    )
    return sorted(set(owned) - set(others))


def _hide_listings(user) -> list[dict]:
    """Hide the listings (products for sale or waiting for review) and stop the open
    auctions of the stores ``user`` owns alone; the changes made, field by field."""
    store_ids = _stores_to_hide(user)
    if not store_ids:
        return []
    changes = []
    shown = Q(status__in=[Product.Status.ACTIVE, Product.Status.PENDING])
    for product in Product.objects.select_for_update(of=("self",)).filter(shown, store_id__in=store_ids).order_by("pk"):
        changes.append(_change(product, "status", product.status, Product.Status.HIDDEN.value))
    for auction in Auction.objects.select_for_update(of=("self",)).filter(store_id__in=store_ids, status__in=Auction.OPEN).order_by("pk"):
        changes.append(_change(auction, "status", auction.status, Auction.Status.CANCELLED.value))
    now = timezone.now()
    for change in changes:
        model = apps.get_model(change["model"])
        model.objects.filter(pk=change["pk"]).update(**{change["field"]: change["after"], "updated_at": now})
    return changes


def _as_stored(model, field: str, value):
    if value is not None and model._meta.get_field(field).get_internal_type() == "DateTimeField":
        return parse_datetime(value) if not isinstance(value, datetime) else value
    return value


def _hidden_by_deactivation(user) -> list[dict]:
    """What the account's latest deactivation hid (empty when nothing, or never deactivated)."""
    entry = entries_for(user).filter(action=LogEntry.Action.DEACTIVATE).first()
    return list((entry.after or {}).get("hidden", [])) if entry is not None else []


def _taken_down(model, pk: int) -> bool:
    """A take-down (reports or staff) is in force on this product, or on the product of
    this auction."""
    if model is Auction:
        pk = Auction.objects.filter(pk=pk).values_list("product_id", flat=True).first()
        model = Product
    if pk is None:
        return False
    content_type = ContentType.objects.get_for_model(model)
    return Takedown.objects.filter(target_type=content_type, target_id=pk, reversed_at__isnull=True).exists()


def _restore_listings(user) -> list[dict]:
    """Write back what the latest deactivation hid, newest change first, only where the row
    still holds what the deactivation wrote (staff or a take-down may have acted since)."""
    restored = []
    now = timezone.now()
    for change in reversed(_hidden_by_deactivation(user)):
        model = apps.get_model(change["model"])
        field = change["field"]
        if _taken_down(model, change["pk"]):
            continue  # reported and taken down meanwhile: the take-down's reversal decides
        current = {field: _as_stored(model, field, change["after"])}
        if model.objects.filter(pk=change["pk"], **current).update(**{field: _as_stored(model, field, change["before"]), "updated_at": now}):
            restored.append(change)
    return restored


# --- Acting on an account ---------------------------------------------------------------------


def account_act(*, user, kind: str, reason: str, actor=None, until=None) -> AccountAction:
    """Apply one action to ``user``'s account. ``actor`` None: Soko did it by itself."""
    reason = (reason or "").strip()
    if not reason:
        raise AccountActionError(gettext_lazy("Give the reason the person will read."))
    if kind not in _LOG_ACTION:
        raise AccountActionError(gettext_lazy("Unknown action."))
    if kind == AccountAction.Kind.SUSPEND and (until is None or until <= timezone.now()):
        raise AccountActionError(gettext_lazy("A suspension needs an end in the future."))
    if actor is not None and actor.pk == user.pk:
        raise AccountActionError(gettext_lazy("You cannot act on your own account."))
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        was_deactivated = user.standing == Standing.DEACTIVATED
        before = _standing(user)
        fields = ["standing", "suspended_until", "standing_reason"]
        extra: dict = {}
        if kind == AccountAction.Kind.SUSPEND:
            user.standing, user.suspended_until, user.standing_reason = Standing.SUSPENDED, until, reason
        elif kind == AccountAction.Kind.DEACTIVATE:
            user.standing, user.suspended_until, user.standing_reason = Standing.DEACTIVATED, None, reason
            user.session_epoch += 1
            fields.append("session_epoch")
        elif kind == AccountAction.Kind.REINSTATE:
            user.standing, user.suspended_until, user.standing_reason = Standing.GOOD, None, ""
        if kind != AccountAction.Kind.WARN:
            user.save(update_fields=fields)
        if kind == AccountAction.Kind.DEACTIVATE:
            # Deactivated again: what the first deactivation hid stays on the list to put back.
            hidden = (_hidden_by_deactivation(user) if was_deactivated else []) + _hide_listings(user)
            extra = {"hidden": hidden, "proxy_bids_cut": proxy_bids_cancel(bidder=user), "offers_declined": offers_decline_all(user=user)}
        elif was_deactivated and kind in (AccountAction.Kind.SUSPEND, AccountAction.Kind.REINSTATE):
            extra = {"restored": _restore_listings(user)}
        action = AccountAction.objects.create(
            user=user, kind=kind, reason=reason, until=until if kind == AccountAction.Kind.SUSPEND else None, created_by=actor
        )
        log_action(actor=actor, action=_LOG_ACTION[kind], target=user, reason=reason, before=before, after=_standing(user) | extra)
        until_text = timezone.localtime(until).strftime("%Y-%m-%d %H:%M") if until else ""
        notify(
            user=user,
            kind="moderation",
            text=lazy_text(_NOTICE[kind], reason=reason, until=until_text, site=settings.SOKO_SITE_NAME),
            url=reverse("moderation:standing"),
            email=True,
        )
        if kind in _SOCKET_EVENT:
            _sockets_tell_on_commit(user.pk, _SOCKET_EVENT[kind])
    return action


def suspensions_expire(*, now=None) -> int:
    """Accounts whose suspension has ended are in good standing again (logged as Soko's
    own reinstatement, the person told). Safe to run any number of times, in several
    workers at once: each account is re-read under its row lock."""
    now = now or timezone.now()
    user_model = get_user_model()
    due = list(
        user_model.objects.filter(standing=Standing.SUSPENDED, suspended_until__lte=now).order_by("pk").values_list("pk", flat=True)[:500]
    )
    done = 0
    for pk in due:
        with transaction.atomic():
            user = user_model.objects.select_for_update().filter(pk=pk, standing=Standing.SUSPENDED, suspended_until__lte=now).first()
            if user is None:
                continue
            account_act(user=user, kind=AccountAction.Kind.REINSTATE, reason=str(gettext_lazy("The suspension has ended.")))
            done += 1
    return done


# --- Appeals -------------------------------------------------------------------------------


def appealable_action(user) -> AccountAction | None:
    """The action ``user`` may appeal now: their latest, when it is still in force (the
    deactivation or suspension they are under, or a warning), else None."""
    action = AccountAction.objects.filter(user=user).order_by("-created_at", "-id").first()
    if action is None or action.kind == AccountAction.Kind.REINSTATE:
        return None
    user = get_user_model().objects.only("standing", "suspended_until").get(pk=user.pk)  # as it is now
    if action.kind == AccountAction.Kind.DEACTIVATE and user.standing != Standing.DEACTIVATED:
        return None
    if action.kind == AccountAction.Kind.SUSPEND and not user.is_suspended_now:
        return None
    return action


def appealable_takedowns(user) -> list[Takedown]:
    """Take-downs in force on what ``user`` answers for (their store's listings, their
    reviews and messages), newest first; an account's own deactivation is appealed as an
    account action instead."""
    return list(
        Takedown.objects.filter(case__owner=user, reversed_at__isnull=True)
        .exclude(target_type__app_label="accounts", target_type__model="user")
        .select_related("case", "target_type")
        .order_by("-created_at", "-id")
    )


def appeal_file(*, user, text: str, takedown: Takedown | None = None) -> Appeal:
    """Appeal the action in force on ``user``'s account, or ``takedown`` of something they
    answer for; one open appeal per action or take-down."""
    text = (text or "").strip()
    if not text:
        raise AppealError(gettext_lazy("Write why the decision should change."))
    if len(text) > APPEAL_MAX:
        raise AppealError(lazy_text(gettext_lazy("An appeal can be at most %(count)s characters."), count=APPEAL_MAX))
    if takedown is None:
        action = appealable_action(user)
        if action is None:
            raise AppealError(gettext_lazy("There is nothing on your account to appeal."))
        about = {"action": action}
    else:
        if takedown not in appealable_takedowns(user):
            raise AppealError(gettext_lazy("This take-down cannot be appealed."))
        about = {"takedown": takedown}
    try:
        with transaction.atomic():
            if Appeal.objects.filter(**about, status=Appeal.Status.OPEN).exists():
                raise IntegrityError("open appeal")
            return Appeal.objects.create(**about, user=user, text=text)
    except IntegrityError as error:
        raise AppealError(gettext_lazy("You have appealed this already: staff will answer here.")) from error


def appeal_decide(*, appeal: Appeal, actor, grant: bool, response: str) -> Appeal:
    """Staff grant (the action is lifted: the account is reinstated) or refuse an appeal,
    with a response the person reads. Logged once; the person is told."""
    response = (response or "").strip()
    if not response:
        raise AppealError(gettext_lazy("Write the response the person will read."))
    if len(response) > RESPONSE_MAX:
        raise AppealError(lazy_text(gettext_lazy("A response can be at most %(count)s characters."), count=RESPONSE_MAX))
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update(of=("self",)).select_related("action", "user").get(pk=appeal.pk)
        if appeal.action is None:  # a take-down's appeal: reports.takedown_appeal_decide
            raise AppealError(gettext_lazy("This appeal is about a take-down: decide it on the case."))
        if appeal.status != Appeal.Status.OPEN:
            raise AppealError(gettext_lazy("This appeal has been decided already."))
        if actor is not None and actor.pk == appeal.user_id:
            raise AppealError(gettext_lazy("You cannot decide your own appeal."))
        appeal.status = Appeal.Status.GRANTED if grant else Appeal.Status.REFUSED
        appeal.response, appeal.decided_at, appeal.decided_by = response, timezone.now(), actor
        appeal.save(update_fields=["status", "response", "decided_at", "decided_by", "updated_at"])
        user = appeal.user
        log_action(
            actor=actor, action=LogEntry.Action.APPEAL_DECIDED, target=user, reason=response,
            before={"appeal": appeal.pk, "action": appeal.action.kind, "status": Appeal.Status.OPEN.value},
            after={"appeal": appeal.pk, "action": appeal.action.kind, "status": appeal.status},
        )
        lifted = grant and appeal.action.kind != AccountAction.Kind.WARN and appealable_action(user) == appeal.action
        if lifted:
            # The reinstatement tells the person (with this response as its reason).
            account_act(user=user, kind=AccountAction.Kind.REINSTATE, reason=response, actor=actor)
        else:
            text = gettext_lazy("Your appeal was granted: %(response)s") if grant else gettext_lazy("Your appeal was refused: %(response)s")
            notify(user=user, kind="moderation", text=lazy_text(text, response=response), url=reverse("moderation:standing"), email=True)
    return appeal
