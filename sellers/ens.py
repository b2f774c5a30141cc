"""ENS names of stores: whether a name is one a store may set (``ens_name_check``), the
names to offer instead (``ens_name_suggestions``), the address a name resolves to on the
configured chain (``ens_address``) and the Sign-In with Ethereum (EIP-4361) message by which
that address proves it controls the name (``ens_message``, ``ens_message_verify``).

Names are resolved through the ENS registry at ``SOKO_ENS_REGISTRY`` (ENSIP-1: the registry
names the resolver, the resolver holds the ``addr`` record), read with web3.py's ENS module.
Its ``ENS.address`` goes through the Universal Resolver at a fixed mainnet address whatever
registry it is given, so Soko asks the configured registry itself: the same code then works
on any chain whose registry it is told. Wildcard and off-chain resolvers (ENSIP-10,
CCIP-read) are not followed, so such names cannot be verified.
"""

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from shop.chain.node import ChainUnavailable, chain_configured, web3

from .models import Store
from .validators import ENS_SUFFIX, ens_name_normalise


@dataclass(frozen=True)
class EnsNameCheck:
    """What the store settings' form makes of a typed ENS name: ``name`` normalised, or
    ``code`` (``ens_invalid``, ``ens_suffix``) and ``reason``, the form's sentence;
    ``in_use`` when a store other than ``store`` shows that name already."""

    name: str | None
    code: str | None = None
    reason: str | None = None
    in_use: bool = False


def ens_name_in_use(*, name: str, store: Store | None = None) -> bool:
    """Whether a store other than ``store`` shows the ENS name ``name`` on its page."""
    return Store.objects.filter(ens_name=name).exclude(pk=getattr(store, "pk", None)).exists()


def ens_name_check(value: str, *, store: Store | None = None) -> EnsNameCheck:
    """The settings form's rule for an ENS name (``ens_name_normalise``), as an answer."""
    try:
        name = ens_name_normalise(value)
    except ValidationError as error:
        return EnsNameCheck(name=None, code=error.code, reason=error.messages[0])
    return EnsNameCheck(name=name, in_use=ens_name_in_use(name=name, store=store))


SUGGESTIONS = 5


def ens_name_suggestions(value: str, *, store: Store | None = None) -> list[str]:
    """Names the settings form would take for what was typed, none another store shows:
    the typed name made valid (ENSIP-15's cure: disallowed characters left out, ``.eth``
    added when missing), then numbered variants of its first label when it is in use.
    With a chain configured, names registered there to someone else are left out too (a
    name that resolves to ``store``'s verified address is its own); when the node cannot be
    asked, only the stores are consulted."""
    from ens_normalize import DisallowedSequence, ens_cure  # loaded on use, as in validators

    raw = value.strip()
    try:
        cured = ens_cure(raw)
    except DisallowedSequence:
        return []
    if not cured or cured == ENS_SUFFIX.lstrip("."):
        return []
    base = cured if cured.endswith(ENS_SUFFIX) else f"{cured}{ENS_SUFFIX}"
    label, _dot, rest = base.partition(".")
    candidates = [base, *(f"{label}{n}.{rest}" for n in range(2, 2 + 3 * SUGGESTIONS))]
    ask_chain = chain_configured()
    suggestions = []
    for candidate in candidates:
        check = ens_name_check(candidate, store=store)
        if not check.name or check.in_use or check.name in suggestions:
            continue
        if ask_chain:
            try:
                if _taken_on_chain(name=check.name, store=store):
                    continue
            except ChainUnavailable:
                ask_chain = False
        suggestions.append(check.name)
        if len(suggestions) == SUGGESTIONS:
            break
    return suggestions


def _taken_on_chain(*, name: str, store: Store | None) -> bool:
    if not ens_owner(name):
        return False
    own_address = getattr(store, "ens_address", "")
    return not own_address or ens_address(name) != own_address


class EnsVerificationError(Exception):
    """Why a store's ENS name cannot be verified now: ``code`` for programs, the message for
    the seller (``ens_no_name``, ``ens_unavailable``, ``ens_not_resolved``, ``ens_message``,
    ``ens_domain``, ``ens_chain``, ``ens_expired``, ``ens_signature``, ``ens_used``,
    ``ens_signer``, ``ens_too_many``: ``retry_after`` seconds before asking again)."""

    def __init__(self, message: str, *, code: str, retry_after: int = 0):
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def ens_unavailable_error() -> EnsVerificationError:
    if not chain_configured():
        return EnsVerificationError(
            _(
                "ENS names cannot be verified on this site: no Ethereum node is configured, so names show as unverified."
            ),
            code="ens_unavailable",
        )
    return EnsVerificationError(
        _(
            "The Ethereum node is not answering, so ENS names cannot be checked now: the name shows as unverified. Try again later."
        ),
        code="ens_unavailable",
    )


@lru_cache(maxsize=4)
def _ens_for(w3, registry: str):
    from ens import ENS

    return ENS.from_web3(w3, addr=registry)


def _ens():
    from web3 import Web3

    return _ens_for(web3(), Web3.to_checksum_address(settings.SOKO_ENS_REGISTRY))


def _asking_the_node():
    """The errors of a call to the node, as ``ChainUnavailable``."""
    import requests
    from web3.exceptions import Web3Exception

    return (Web3Exception, requests.RequestException, OSError)


def ens_owner(name: str) -> str | None:
    """The owner of ``name`` in the registry (checksummed), ``None`` when nobody holds it.
    Raises ``ChainNotConfigured`` or ``ChainUnavailable``."""
    from ens.exceptions import ENSException
    from ens.utils import is_none_or_zero_address

    ns = _ens()
    try:
        owner = ns.owner(name)
    except ENSException:
        return None
    except _asking_the_node() as error:
        raise ChainUnavailable(str(error)) from error
    return None if is_none_or_zero_address(owner) else owner


def ens_address(name: str) -> str | None:
    """The Ethereum address ``name``'s ``addr`` record holds (checksummed): the registry's
    resolver for the name, asked if it supports ``addr(bytes32)`` (ERC-165), then asked for
    it. ``None`` when the name has no resolver or no address. Raises ``ChainNotConfigured``
    or ``ChainUnavailable``."""
    from ens import abis
    from ens.constants import ENS_ADDR_INTERFACE_ID
    from ens.exceptions import ENSException
    from ens.utils import is_none_or_zero_address
    from web3 import Web3
    from web3.exceptions import BadFunctionCallOutput, ContractLogicError

    ns = _ens()
    try:
        node = ns.namehash(name)
        resolver_address = ns.ens.caller.resolver(node)
    except ENSException:
        return None
    except _asking_the_node() as error:
        raise ChainUnavailable(str(error)) from error
    if is_none_or_zero_address(resolver_address):
        return None
    resolver = ns.w3.eth.contract(address=resolver_address, abi=abis.PUBLIC_RESOLVER_2_EXTENDED)
    try:
        if not resolver.caller.supportsInterface(ENS_ADDR_INTERFACE_ID):
            return None
        address = resolver.get_function_by_signature("addr(bytes32)")(node).call()
    except (ContractLogicError, BadFunctionCallOutput):
        return None  # a resolver that reverts or is no contract answers for no name
    except _asking_the_node() as error:
        raise ChainUnavailable(str(error)) from error
    return None if is_none_or_zero_address(address) else Web3.to_checksum_address(address)


def ens_chain_id() -> int:
    """The id of the configured chain (EIP-155), which a verifying message must name."""
    try:
        return web3().eth.chain_id
    except _asking_the_node() as error:
        raise ChainUnavailable(str(error)) from error


# EIP-4361's grammar allows only these in a statement (RFC 3986's reserved and unreserved
# characters, and spaces): a translation or a name outside them falls back to plainer words.
STATEMENT_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;= ]+")


def _statement(*, name: str, store_slug: str) -> str:
    with_name = _("I control %(name)s, the ENS name of the store %(store)s.") % {"name": name, "store": store_slug}
    without_name = _("I control the ENS name of the store %(store)s.") % {"store": store_slug}
    with translation.override("en"):
        plain = [
            _("I control %(name)s, the ENS name of the store %(store)s.") % {"name": name, "store": store_slug},
            _("I control the ENS name of the store %(store)s.") % {"store": store_slug},
        ]
    for statement in (with_name, plain[0], without_name, plain[1]):
        if STATEMENT_CHARACTERS.fullmatch(statement):
            return statement
    return "I control this ENS name."


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _siwe():
    """The siwe package; its EIP-4361 grammar restates RFC 5234's core rules, which the abnf
    parser warns about once, at import."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="rule '.*' redefines")
        import siwe

    return siwe


def ens_message(
    *,
    domain: str,
    uri: str,
    address: str,
    chain_id: int,
    nonce: str,
    name: str,
    store_slug: str,
    issued_at: datetime,
    expires_at: datetime,
) -> str:
    """The Sign-In with Ethereum message (EIP-4361) the name's address signs to verify it."""
    return (
        _siwe()
        .SiweMessage(
            domain=domain,
            address=address,
            statement=_statement(name=name, store_slug=store_slug),
            uri=uri,
            version="1",
            chain_id=chain_id,
            nonce=nonce,
            issued_at=_iso(issued_at),
            expiration_time=_iso(expires_at),
        )
        .prepare_message()
    )


SIGNATURE = re.compile(r"(?:0x)?((?:[0-9a-fA-F]{2}){65,2048})")


@dataclass(frozen=True)
class SignedMessage:
    """A message whose signature checked out: who signed it, its nonce, its text as signed."""

    address: str
    nonce: str
    text: str


def ens_message_verify(*, message: str, signature: str, domain: str, chain_id: int) -> SignedMessage:
    """Check a signed Sign-In with Ethereum message: written for ``domain`` and ``chain_id``,
    not expired, and signed by the address it names (by its key, or, for a contract wallet,
    by EIP-1271 on the chain). Raises ``EnsVerificationError``; ``ChainUnavailable`` when the
    node was needed and did not answer. Whether Soko issued the nonce is the caller's check."""
    siwe = _siwe()
    text = message.replace("\r\n", "\n").strip()
    try:
        parsed = siwe.SiweMessage.from_message(text)
    except (ValueError, TypeError, KeyError, IndexError):
        parsed = None
    if parsed is None or parsed.prepare_message() != text:
        raise EnsVerificationError(
            _("That is not a message this page asked you to sign. Ask for a new one and sign it as shown."),
            code="ens_message",
        )
    if parsed.domain != domain:
        raise EnsVerificationError(
            _("This message was written for another site (%(domain)s). Sign the message this page shows.")
            % {"domain": parsed.domain},
            code="ens_domain",
        )
    if parsed.chain_id != chain_id:
        raise EnsVerificationError(
            _("This message is for chain %(theirs)s, but names are verified on chain %(ours)s.")
            % {"theirs": parsed.chain_id, "ours": chain_id},
            code="ens_chain",
        )
    matched = SIGNATURE.fullmatch(signature.strip())
    if matched is None:
        raise EnsVerificationError(
            _("That does not look like a signature: it is a long hexadecimal number starting with 0x."),
            code="ens_signature",
        )
    try:
        parsed.verify("0x" + matched.group(1), domain=domain, provider=web3().provider)
    except siwe.ExpiredMessage:
        raise EnsVerificationError(
            _("This message has expired. Ask for a new one and sign it within a few minutes."), code="ens_expired"
        ) from None
    except siwe.InvalidSignature:
        raise EnsVerificationError(
            _("This signature was not made by %(address)s for this message.") % {"address": parsed.address},
            code="ens_signature",
        ) from None
    except siwe.VerificationError:
        raise EnsVerificationError(
            _("That is not a message this page asked you to sign. Ask for a new one and sign it as shown."),
            code="ens_message",
        ) from None
    except _asking_the_node() as error:
        raise ChainUnavailable(str(error)) from error
    return SignedMessage(address=parsed.address, nonce=parsed.nonce, text=text)
