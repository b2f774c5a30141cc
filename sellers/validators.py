"""Check and normalise what a seller types into the store profile.

Each ``*_normalise`` function takes what the seller typed (a handle with or without its
``@``, or a profile link) and returns the canonical stored form, or raises
``ValidationError`` with a message that says what a valid value looks like. The model
fields run the same checks on the stored form, so the admin cannot store junk either.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shop.chain.node import address_checksum
from shop.core.validators import time_zone_names, validate_time_zone  # noqa: F401  (re-exported: the store form and model use them)

X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
TELEGRAM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{4,31}$")
DISCORD_USERNAME = re.compile(r"^(?!.*\.\.)[a-z0-9_.]{2,32}$")
DISCORD_INVITE = re.compile(r"^https://discord\.gg/([A-Za-z0-9-]{2,32})$")

# What people paste instead of a bare handle: profile and invite links.
X_LINK = re.compile(r"^(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/([^/?#]+)/?(?:[?#].*)?$", re.IGNORECASE)
TELEGRAM_LINK = re.compile(r"^(?:https?://)?(?:www\.)?(?:t|telegram)\.me/([^/?#]+)/?(?:[?#].*)?$", re.IGNORECASE)
DISCORD_INVITE_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:discord\.gg/|discord(?:app)?\.com/invite/)([^/?#]+)/?(?:[?#].*)?$", re.IGNORECASE
)

X_MESSAGE = gettext_lazy("Enter an X (Twitter) handle such as @mamanjeri: 1 to 15 letters, digits or underscores.")
TELEGRAM_MESSAGE = (
    gettext_lazy("Enter a Telegram username such as @mamanjeri: 5 to 32 letters, digits or underscores, starting with a letter.")
)
DISCORD_MESSAGE = (
    gettext_lazy("Enter a Discord username (2 to 32 lowercase letters, digits, _ or ., with no two dots in a row, "
    "e.g. mama.njeri) or an invite link such as discord.gg/abc123.")
)

ENS_SUFFIX = ".eth"


def x_handle_normalise(value: str) -> str:
    """``@Mama_Njeri`` or ``https://x.com/Mama_Njeri`` → ``Mama_Njeri`` (stored without the @)."""
    value = value.strip()
    if match := X_LINK.match(value):
        value = match.group(1)
    value = value.removeprefix("@")
    validate_x_handle(value)
    return value


def validate_x_handle(value: str) -> None:
    if not X_HANDLE.match(value):
        raise ValidationError(X_MESSAGE, code="x_handle")


def telegram_normalise(value: str) -> str:
    """``@mama_njeri`` or ``t.me/mama_njeri`` → ``mama_njeri``."""
    value = value.strip()
    if match := TELEGRAM_LINK.match(value):
        value = match.group(1)
    value = value.removeprefix("@")
    validate_telegram(value)
    return value


def validate_telegram(value: str) -> None:
    if not TELEGRAM_NAME.match(value):
        raise ValidationError(TELEGRAM_MESSAGE, code="telegram")


def discord_normalise(value: str) -> str:
    """A username (lower-cased, as Discord shows it) or an invite as ``https://discord.gg/<code>``.

    Invite codes are case-sensitive, so only the username is lower-cased.
    """
    value = value.strip()
    if match := DISCORD_INVITE_LINK.match(value):
        value = f"https://discord.gg/{match.group(1)}"
    else:
        value = value.removeprefix("@").lower()
    validate_discord(value)
    return value


def validate_discord(value: str) -> None:
    if not (DISCORD_USERNAME.match(value) or DISCORD_INVITE.match(value)):
        raise ValidationError(DISCORD_MESSAGE, code="discord")


def discord_invite_url(value: str) -> str | None:
    """The link for an invite; ``None`` for a username (Discord has no public profile URL)."""
    return value if DISCORD_INVITE.match(value or "") else None


def ens_name_normalise(value: str) -> str:
    """An ENS name under ``.eth``, normalised by ENSIP-15 (``ens-normalize``).

    Names that fail normalisation (confusable mixed scripts, invisible characters, empty
    labels…) are refused with the library's reason; so is any other top-level name: the
    ``.eth`` registrar is the one ENS itself runs, and a name under a DNS TLD says nothing
    the store's website would not.
    """
    # Imported here: the library takes over a second to load its tables, and few stores set a name.
    from ens_normalize import DisallowedSequence, ens_normalize

    raw = value.strip()
    try:
        name = ens_normalize(raw)
    except DisallowedSequence as error:
        # CurableSequence is a subclass: both mean the name as typed is not a valid ENS name.
        raise ValidationError(
            _("%(name)s is not a valid ENS name: %(reason)s."),
            code="ens_invalid",
            params={"name": raw, "reason": error.general_info.rstrip(".").lower()},
        ) from None
    if not name.endswith(ENS_SUFFIX):
        raise ValidationError(_("Enter a name ending in .eth, such as mamanjeri.eth."), code="ens_suffix")
    return name


def validate_ens_name(value: str) -> None:
    if ens_name_normalise(value) != value:
        raise ValidationError(_("Store the ENS name in its normalised form (%(name)s)."), params={"name": value})


WALLET_MESSAGE = gettext_lazy(
    "Enter an Ethereum address: 0x and 40 hexadecimal characters, copied from your wallet (its mixed case is a checksum)."
)


def wallet_address_normalise(value: str) -> str:
    """``0xabc…`` (all lower or upper case) or its EIP-55 form → the EIP-55 form; a mixed
    case that fails the checksum (a mistyped address) is refused."""
    try:
        return address_checksum(value.strip())
    except ValueError:
        raise ValidationError(WALLET_MESSAGE, code="wallet_address") from None


def validate_wallet_address(value: str) -> None:
    if wallet_address_normalise(value) != value:
        raise ValidationError(WALLET_MESSAGE, code="wallet_address")


TAG_MAX_COUNT = 12
TAG_MAX_LENGTH = 30


def tags_normalise(value: str) -> str:
    """``"Kikoi, BASKETS ,, #kikoi"`` → ``"kikoi, baskets"``: lower case, single spaces,
    no ``#``, no duplicates, in the order first typed."""
    tags: list[str] = []
    for part in value.split(","):
        tag = " ".join(part.replace("#", " ").split()).casefold()
        if tag and tag not in tags:
            tags.append(tag)
    too_long = [tag for tag in tags if len(tag) > TAG_MAX_LENGTH]
    if too_long:
        raise ValidationError(
            _("Keep each tag to %(limit)s characters (%(tag)s is longer)."),
            code="tag_length",
            params={"limit": TAG_MAX_LENGTH, "tag": too_long[0]},
        )
    if len(tags) > TAG_MAX_COUNT:
        raise ValidationError(
            _("Use at most %(limit)s tags; you gave %(count)s."),
            code="tag_count",
            params={"limit": TAG_MAX_COUNT, "count": len(tags)},
        )
    return ", ".join(tags)
