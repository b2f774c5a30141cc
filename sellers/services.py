import logging
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http.request import validate_host
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.core.errors import NotFound
from shop.core.ids import id_or_none
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.currencies import currency_for_country
from shop.core.selectors.i18n import lazy_text, speaking_to
from shop.core.services.mail import site_url
from shop.core.tasks import send_email_task
from shop.geo.selectors.areas import area_country
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify

from .ens import EnsLookupError, ens_text
from .models import Store, StoreHours, StoreInvite, StoreMember
from .selectors import OWNER_ONLY_MESSAGE, area_match_label, invite_token_hash, store_photo_locations

log = logging.getLogger(__name__)


class TeamError(Exception):
    """A team change that cannot be made; the message says why, for the owner to read."""


@transaction.atomic
def store_create(*, owner, name: str, slug: str, phone: str, area: str = "") -> Store:
    """Open a store. ``area`` is what the seller typed ("Westlands, Nairobi"): linked to
    the area it names when exactly one fits, otherwise kept as the street/landmark text."""
    matched = area_match_label(label=area) if area else None
    store = Store.objects.create(
        name=name, slug=slug, phone=phone, area=matched, area_label="" if matched else area.strip(),
        currency=store_currency_for_area(matched),
    )
    StoreMember.objects.create(store=store, user=owner, role=StoreMember.Role.OWNER)
    return store


def store_currency_for_area(area) -> str:
    """The currency of the country ``area`` lies in (the operator's currency when unknown)."""
    return currency_for_country(area_country(area=area).code if area is not None else None)


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
        # Checked on every save: saving is what a seller does after setting the record.
        job_enqueue_on_commit("sellers.store_ens_check", store.pk)
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


def _require_owner(*, store: Store, actor) -> None:
    if not StoreMember.objects.filter(store=store, user=actor, role=StoreMember.Role.OWNER).exists():
        raise PermissionDenied(OWNER_ONLY_MESSAGE)


@transaction.atomic
def store_member_invite(*, store: Store, actor, email: str) -> StoreInvite:
    """Invite a person to the store's team as staff; nobody joins without accepting.

    Every address gets the same: a pending invite whose link (the accept page on
    ``SOKO_SITE_URL``, valid for ``SOKO_STORE_INVITE_DAYS``) is emailed through Huey, so the
    owner learns nothing about whether the address has an account. An existing account is also told in
    the app, with the same link. Inviting the same address again sends a fresh link.
    """
    _require_owner(store=store, actor=actor)
    email = email.strip().lower()
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is not None and StoreMember.objects.filter(store=store, user=user).exists():
        raise TeamError(_("%(email)s is already on your team.") % {"email": email})
    token = secrets.token_urlsafe(32)
    invite, _created = StoreInvite.objects.update_or_create(
        store=store,
        email=email,
        accepted_at=None,
        defaults={
            "token_hash": invite_token_hash(token),
            "invited_by": actor,
            "expires_at": timezone.now() + timedelta(days=settings.SOKO_STORE_INVITE_DAYS),
        },
    )
    path = reverse("sellers:invite_accept", args=[token])
    _invite_email_send(invite=invite, actor=actor, link=site_url(path))
    if user is not None:
        notify(
            user=user,
            kind="store",
            text=lazy_text(
                gettext_lazy("%(name)s invited you to join %(store)s as staff: accept or decline."),
                name=actor.short_name, store=store.name,
            ),
            url=path,
        )
    return invite


def _invite_email_send(*, invite: StoreInvite, actor, link: str) -> None:
    """In the invited person's language when they have an account, else in the inviter's."""
    context = {"invite": invite, "store": invite.store, "inviter": actor, "link": link, "site_name": settings.SOKO_SITE_NAME}
    recipient = get_user_model().objects.filter(email__iexact=invite.email).first()
    with speaking_to(recipient) if recipient is not None else nullcontext():
        subject = _("%(name)s invited you to %(store)s on %(site)s") % {
            "name": actor.short_name, "store": invite.store.name, "site": settings.SOKO_SITE_NAME,
        }
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
        raise InviteError(_("This invitation has already been used."))
    if invite.expires_at <= timezone.now():
        raise InviteError(_("This invitation has expired; ask the store's owner to send a new one."))
    if user.email.lower() != invite.email.lower():
        raise InviteError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.") % {"email": invite.email}
        )
    member, _created = StoreMember.objects.get_or_create(
        store=invite.store, user=user, defaults={"role": StoreMember.Role.STAFF}
    )
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return member


@transaction.atomic
def store_invite_decline(*, invite: StoreInvite) -> None:
    """The invited person says no (anyone holding the emailed link may): the invitation
    goes, and whoever sent it is told."""
    invite = StoreInvite.objects.select_for_update(of=("self",)).select_related("store", "invited_by").get(pk=invite.pk)
    if invite.accepted_at is not None:
        raise InviteError(_("This invitation has already been used."))
    invite.delete()
    if invite.invited_by is not None:
        notify(
            user=invite.invited_by,
            kind="store",
            text=lazy_text(
                gettext_lazy("%(email)s declined your invitation to %(store)s."), email=invite.email, store=invite.store.name
            ),
            url=reverse("sellers:team"),
        )


@transaction.atomic
def store_member_remove(*, member: StoreMember, actor) -> None:
    """The owner takes someone off the team. The owner cannot be removed."""
    _require_owner(store=member.store, actor=actor)
    if member.is_owner:
        raise TeamError(_("The store's owner cannot be removed from the team."))
    member.delete()
    notify(
        user=member.user, kind="store",
        text=lazy_text(gettext_lazy("You are no longer on the team of %(store)s."), store=member.store.name),
    )


@transaction.atomic
def store_invite_cancel(*, invite: StoreInvite, actor) -> None:
    _require_owner(store=invite.store, actor=actor)
    invite.delete()


ENS_URL_RECORD = "url"


def store_ens_check(*, store_id: int) -> bool | None:
    """Ask the Ethereum node whether the store's ENS name points at the store page (its
    ``url`` record ends in ``/s/<slug>/`` on one of this site's hosts) and record the
    answer. ``None`` when nothing could be checked (no node, no name, node unreachable)."""
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
    image = store_photo_locations(store=store).filter(pk=id_or_none(image_id)).first()
    if image is None:
        raise NotFound(_("No such photo in your store."))
    if (store.latitude, store.longitude) == (image.gps_latitude, image.gps_longitude):
        return False
    store.latitude, store.longitude = image.gps_latitude, image.gps_longitude
    store.save(update_fields=["latitude", "longitude", "updated_at"])
    return True
