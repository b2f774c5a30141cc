import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from shop.core.errors import NotFound

from .models import Store, StoreHours, StoreInvite, StoreMember
from .selectors import OWNER_ONLY_MESSAGE, area_match_label

log = logging.getLogger(__name__)


class TeamError(Exception):
    """A team change that cannot be made; the message says why, for the owner to read."""


@transaction.atomic
def store_create(*, owner, name: str, slug: str, phone: str, area: str = "") -> Store:
    """Open a store. ``area`` is what the seller typed ("Westlands, Nairobi"): linked to
    the area it names when exactly one fits, otherwise kept as the street/landmark text."""
    matched = area_match_label(label=area) if area else None
    store = Store.objects.create(
        name=name, slug=slug, phone=phone, area=matched, area_label="" if matched else area.strip()
    )
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    return store


@dataclass(frozen=True)
class HoursInput:
    weekday: int
    opens: time | None
    closes: time | None
    closed: bool


@transaction.atomic
def store_settings_save(
    *,
    store: Store,
    categories=None,
    logo=None,
    remove_logo: bool = False,
    cover=None,
    remove_cover: bool = False,
    hours: list[HoursInput] | None = None,
) -> Store:
    """Save a store whose fields the settings form has set, with its pictures
    (``ValidatedImage`` uploads, stored through the media pipeline), categories and hours."""
    from shop.media.services import image_store

    saved_ens_name = Store.objects.filter(pk=store.pk).values_list("ens_name", flat=True).first()
    if store.ens_name != saved_ens_name:
        store.ens_verified_at = None
    if logo:
        store.logo = image_store(upload=logo)
    elif remove_logo:
        store.logo = None
    if cover:
        store.cover = image_store(upload=cover)
    elif remove_cover:
        store.cover = None
    store.save()
    if categories is not None:
        store.categories.set(categories)
    if hours is not None:
        store_hours_set(store=store, hours=hours)
    if store.ens_name and settings.SOKO_ETH_RPC_URL:
        from .tasks import store_ens_check_task

        # Checked on every save: saving is what a seller does after setting the record.
        transaction.on_commit(lambda: store_ens_check_task(store.pk))
    return store


def store_hours_set(*, store: Store, hours: list[HoursInput]) -> None:
    """Replace the store's weekly hours; a weekday left out has no hours set."""
    StoreHours.objects.filter(store=store).delete()
    StoreHours.objects.bulk_create(
        StoreHours(
            store=store,
            weekday=row.weekday,
            closed=row.closed,
            opens=None if row.closed else row.opens,
            closes=None if row.closed else row.closes,
        )
        for row in hours
    )


def invite_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_owner(*, store: Store, actor) -> None:
    if not StoreMember.objects.filter(store=store, user=actor, role=StoreMember.Role.OWNER).exists():
        raise PermissionDenied(OWNER_ONLY_MESSAGE)


@transaction.atomic
def store_member_invite(*, store: Store, actor, email: str, base_url: str) -> StoreMember | StoreInvite:
    """Add a person to the store's team as staff.

    An existing account joins at once and is notified. An unknown address gets a pending
    invite: a link (``base_url`` + the accept page) emailed through Huey, valid for
    ``SOKO_STORE_INVITE_DAYS``. Inviting the same address again sends a fresh link.
    """
    _require_owner(store=store, actor=actor)
    email = email.strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None:
        if StoreMember.objects.filter(store=store, user=user).exists():
            raise TeamError(f"{email} is already on your team.")
        member = StoreMember.objects.create(store=store, user=user, role=StoreMember.Role.STAFF)
        StoreInvite.objects.filter(store=store, email=email, accepted_at__isnull=True).delete()
        from shop.notifications.services import notify

        notify(
            user=user,
            kind="store",
            text=f"{actor.short_name} added you to {store.name} as staff.",
            url=reverse("sellers:dashboard"),
            email=True,
        )
        return member

    token = secrets.token_urlsafe(32)
    invite, _ = StoreInvite.objects.update_or_create(
        store=store,
        email=email,
        accepted_at=None,
        defaults={
            "token_hash": invite_token_hash(token),
            "invited_by": actor,
            "expires_at": timezone.now() + timedelta(days=settings.SOKO_STORE_INVITE_DAYS),
        },
    )
    link = base_url.rstrip("/") + reverse("sellers:invite_accept", args=[token])
    _invite_email_send(invite=invite, actor=actor, link=link)
    return invite


def _invite_email_send(*, invite: StoreInvite, actor, link: str) -> None:
    from shop.core.tasks import send_email_task

    context = {"invite": invite, "store": invite.store, "inviter": actor, "link": link, "site_name": settings.SOKO_SITE_NAME}
    subject = f"{actor.short_name} invited you to {invite.store.name} on {settings.SOKO_SITE_NAME}"
    body = render_to_string("sellers/email/invite.txt", context)
    to = [invite.email]
    transaction.on_commit(lambda: send_email_task(subject=subject, body=body, to=to))


class InviteError(Exception):
    pass


@transaction.atomic
def store_invite_accept(*, invite: StoreInvite, user) -> StoreMember:
    """The invited person, logged in with the invited address, joins the team as staff."""
    invite = StoreInvite.objects.select_for_update().select_related("store").get(pk=invite.pk)
    if invite.accepted_at is not None:
        raise InviteError("This invitation has already been used.")
    if invite.expires_at <= timezone.now():
        raise InviteError("This invitation has expired; ask the store's owner to send a new one.")
    if user.email.lower() != invite.email.lower():
        raise InviteError(
            f"This invitation was sent to {invite.email}. Log in with that address to accept it."
        )
    member, _ = StoreMember.objects.get_or_create(
        store=invite.store, user=user, defaults={"role": StoreMember.Role.STAFF}
    )
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return member


@transaction.atomic
def store_member_remove(*, member: StoreMember, actor) -> None:
    """The owner takes someone off the team. The owner cannot be removed."""
    _require_owner(store=member.store, actor=actor)
    if member.is_owner:
        raise TeamError("The store's owner cannot be removed from the team.")
    member.delete()
    from shop.notifications.services import notify

    notify(user=member.user, kind="store", text=f"You are no longer on the team of {member.store.name}.")


@transaction.atomic
def store_invite_cancel(*, invite: StoreInvite, actor) -> None:
    _require_owner(store=invite.store, actor=actor)
    invite.delete()


ENS_URL_RECORD = "url"


def store_ens_check(*, store_id: int) -> bool | None:
    """Ask the Ethereum node whether the store's ENS name points at the store page (its
    ``url`` record ends in ``/s/<slug>/`` on one of this site's hosts) and record the
    answer. ``None`` when nothing could be checked (no node, no name, node unreachable)."""
    from django.http.request import validate_host

    from .ens import EnsLookupError, ens_text

    store = Store.objects.filter(pk=store_id).only("slug", "ens_name").first()
    if store is None or not store.ens_name or not settings.SOKO_ETH_RPC_URL:
        return None
    try:
        record = ens_text(
            name=store.ens_name, key=ENS_URL_RECORD, rpc_url=settings.SOKO_ETH_RPC_URL, timeout=settings.SOKO_ETH_RPC_TIMEOUT
        )
    except EnsLookupError as error:
        log.warning("ENS check of %s for store %s failed: %s", store.ens_name, store.pk, error)
        return None
    link = urlsplit(record.strip())
    verified = (
        link.scheme in {"http", "https"}
        and validate_host(link.hostname or "", settings.ALLOWED_HOSTS)
        and link.path.rstrip("/") == reverse("stores:detail", args=[store.slug]).rstrip("/")
    )
    # Only for the name that was checked: the seller may have changed it meanwhile.
    Store.objects.filter(pk=store.pk, ens_name=store.ens_name).update(ens_verified_at=timezone.now() if verified else None)
    return verified


def store_location_from_photo(*, store, image_id) -> bool:
    """Pin the store on the map where one of its own photos was taken. Only pictures
    of this store count; returns whether the pin moved."""
    from shop.core.ids import id_or_none

    from .selectors import store_photo_locations

    image = store_photo_locations(store=store).filter(pk=id_or_none(image_id)).first()
    if image is None:
        raise NotFound("No such photo in your store.")
    if (store.latitude, store.longitude) == (image.gps_latitude, image.gps_longitude):
        return False
    store.latitude, store.longitude = image.gps_latitude, image.gps_longitude
    store.save(update_fields=["latitude", "longitude", "updated_at"])
    return True
