import logging
import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.chain.node import ChainNotConfigured, ChainUnavailable
from shop.core.errors import NotFound
from shop.core.ids import id_or_none
from shop.core.jobs import job_enqueue_on_commit
from shop.core.selectors.currencies import currency_for_country
from shop.core.selectors.i18n import lazy_text, speaking_to
from shop.core.services.mail import site_url
from shop.core.services.ratelimit import limit_take, window_left
from shop.core.tasks import send_email_task
from shop.geo.selectors.areas import area_country
from shop.media.services.images import image_store
from shop.notifications.services.notifications import notify

from .ens import (
    EnsVerificationError,
    ens_address,
    ens_chain_id,
    ens_message,
    ens_message_verify,
    ens_unavailable_error,
)
from .models import EnsChallenge, Store, StoreHours, StoreInvite, StoreMember
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
        store.ens_verified_at, store.ens_address = None, ""
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


def _ens_name_resolved(*, store: Store, chain_id: bool = False) -> tuple[str, int | None]:
    """The address the store's ENS name resolves to now (and the chain's id when asked), or
    the ``EnsVerificationError`` a seller reads: no name set, no node, or no address."""
    if not store.ens_name:
        raise EnsVerificationError(_("Set the store's ENS name in its settings first."), code="ens_no_name")
    try:
        address = ens_address(store.ens_name)
        chain = ens_chain_id() if chain_id else None
    except (ChainNotConfigured, ChainUnavailable) as error:
        log.warning("ENS name %s of store %s not resolved: %r", store.ens_name, store.pk, error)
        raise ens_unavailable_error() from None
    if address is None:
        raise EnsVerificationError(
            _("%(name)s does not point to an Ethereum address. Set its address record to your wallet, then try again.")
            % {"name": store.ens_name},
            code="ens_not_resolved",
        )
    return address, chain


def store_ens_message_issue(*, store: Store, user, domain: str, uri: str) -> EnsChallenge:
    """A Sign-In with Ethereum message for the store's ENS name, to be signed by the address
    the name resolves to now, with a one-time nonce good for ``SOKO_ENS_MESSAGE_MINUTES``.
    Raises ``EnsVerificationError`` (no name, no node, the name resolves to no address, or
    ``SOKO_ENS_MESSAGES_PER_HOUR`` messages were issued for the store this hour: each one
    asks the node, and keeps a row)."""
    if not limit_take(f"ens-message:{store.pk}", limit=settings.SOKO_ENS_MESSAGES_PER_HOUR, seconds=3600, on_outage="closed"):
        raise EnsVerificationError(
            _("Too many messages to sign were asked for this store in the last hour. Sign the last one, or ask again later."),
            code="ens_too_many",
            retry_after=window_left(3600),
        )
    address, chain_id = _ens_name_resolved(store=store, chain_id=True)
    issued_at = timezone.now()
    expires_at = issued_at + timedelta(minutes=settings.SOKO_ENS_MESSAGE_MINUTES)
    nonce = secrets.token_hex(12)
    message = ens_message(
        domain=domain, uri=uri, address=address, chain_id=chain_id, nonce=nonce, name=store.ens_name,
        store_slug=store.slug, issued_at=issued_at, expires_at=expires_at,
    )
    return EnsChallenge.objects.create(
        store=store, requested_by=user, nonce=nonce, name=store.ens_name, address=address, message=message,
        expires_at=expires_at,
    )


def store_ens_verify(*, store: Store, message: str, signature: str, domain: str) -> Store:
    """Verify the store's ENS name from a signed message Soko issued for it: the message is
    for this site and chain, unexpired, signed by the address it names, and that address is
    the one the name resolves to on chain now; its nonce was issued for this store and name
    and is spent by this use (a second use is refused). Then the store shows the name as
    verified. The node is asked before the nonce is spent, outside the transaction."""
    resolved, chain_id = _ens_name_resolved(store=store, chain_id=True)
    try:
        signed = ens_message_verify(message=message, signature=signature, domain=domain, chain_id=chain_id)
    except (ChainNotConfigured, ChainUnavailable) as error:
        log.warning("ENS verification for store %s: %r", store.pk, error)
        raise ens_unavailable_error() from None
    if resolved != signed.address:
        raise EnsVerificationError(
            _("%(name)s points to %(resolved)s, not to %(signer)s, which signed. Sign with the wallet the name points to.")
            % {"name": store.ens_name, "resolved": resolved, "signer": signed.address},
            code="ens_signer",
        )
    now = timezone.now()
    with transaction.atomic(durable=True):
        spent = EnsChallenge.objects.filter(
            nonce=signed.nonce, store=store, name=store.ens_name, message=signed.text, spent_at__isnull=True,
            expires_at__gt=now,
        ).update(spent_at=now)
        if spent:
            Store.objects.filter(pk=store.pk, ens_name=store.ens_name).update(ens_verified_at=now, ens_address=signed.address)
    if not spent:
        raise _ens_challenge_refusal(store=store, nonce=signed.nonce, now=now)
    store.refresh_from_db(fields=["ens_verified_at", "ens_address"])
    return store


def _ens_challenge_refusal(*, store: Store, nonce: str, now) -> EnsVerificationError:
    issued = EnsChallenge.objects.filter(nonce=nonce, store=store).first()
    if issued is not None and issued.spent_at is not None:
        return EnsVerificationError(
            _("This message was used already. Ask for a new one: each can verify the name once."), code="ens_used"
        )
    if issued is not None and issued.expires_at <= now:
        return EnsVerificationError(
            _("This message has expired. Ask for a new one and sign it within a few minutes."), code="ens_expired"
        )
    return EnsVerificationError(
        _("That is not a message this page asked you to sign. Ask for a new one and sign it as shown."), code="ens_message"
    )


def store_ens_check(*, store_id: int) -> bool | None:
    """Check again that a verified store's ENS name still resolves to the address that
    signed for it; when it no longer does, the store's name shows as unverified. ``None``
    when nothing could be checked (no verified name, no node, the node not answering):
    the badge then stays as it was until the next check."""
    store = Store.objects.filter(pk=store_id).only("ens_name", "ens_address", "ens_verified_at").first()
    if store is None or not store.ens_name or store.ens_verified_at is None:
        return None
    try:
        resolved = ens_address(store.ens_name)
    except (ChainNotConfigured, ChainUnavailable) as error:
        log.warning("ENS check of %s for store %s failed: %r", store.ens_name, store.pk, error)
        return None
    if resolved == store.ens_address:
        return True
    # Only for the name and address that were checked: the seller may have verified again meanwhile.
    Store.objects.filter(pk=store.pk, ens_name=store.ens_name, ens_address=store.ens_address).update(
        ens_verified_at=None, ens_address=""
    )
    log.info("ENS name %s of store %s now points to %s: no longer verified", store.ens_name, store.pk, resolved)
    return False


def stores_ens_recheck() -> int:
    """Start a check of every verified ENS name (``store_ens_check``), and forget the
    verification messages that expired a day ago; how many checks were started."""
    EnsChallenge.objects.filter(expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    if not settings.SOKO_ETH_RPC_URL:
        return 0
    store_ids = list(Store.objects.filter(ens_verified_at__isnull=False).exclude(ens_name="").values_list("pk", flat=True))
    for store_id in store_ids:
        job_enqueue_on_commit("sellers.store_ens_check", store_id)
    return len(store_ids)


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
