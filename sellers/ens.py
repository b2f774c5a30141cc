"""ENS names of stores: whether a name is one a store may set (``ens_name_check``), the
names to offer instead (``ens_name_suggestions``), and reading a name's text record from
an Ethereum node (JSON-RPC ``eth_call``).

Only used when ``SOKO_ETH_RPC_URL`` is set. A store proves it controls its ENS name by
setting the name's ``url`` text record to its store page: only the name's controller
can write that record. Names are looked up through the ENS registry's resolver
(ENSIP-1); wildcard and off-chain resolvers (ENSIP-10, CCIP-read) are not followed, so
such names stay unverified.

Keccak-256 is written out here (the standard library's ``sha3_256`` uses different
padding) to avoid a dependency for two hashes per check.
"""

import json
import urllib.request
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .models import Store
from .validators import ENS_SUFFIX, ens_name_normalise

REGISTRY = "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e"
RESOLVER_SELECTOR = "0178b8bf"  # resolver(bytes32)
TEXT_SELECTOR = "59d1d43c"  # text(bytes32,string)


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
    added when missing), then numbered variants of its first label when it is in use."""
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
    suggestions = []
    for candidate in candidates:
        check = ens_name_check(candidate, store=store)
        if check.name and not check.in_use and check.name not in suggestions:
            suggestions.append(check.name)
        if len(suggestions) == SUGGESTIONS:
            break
    return suggestions


class EnsLookupError(Exception):
    """The node could not be asked, or answered with an error."""


_ROUND_CONSTANTS = [
    0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
    0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
    0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
    0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
    0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
    0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
]
_ROTATIONS = [
    [0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56], [27, 20, 39, 8, 14],
]
_MASK = (1 << 64) - 1
_RATE = 136  # bytes, for a 256-bit output


def _rotate(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _MASK if shift else value


def _keccak_f(lanes: list[list[int]]) -> None:
    for constant in _ROUND_CONSTANTS:
        parity = [lanes[x][0] ^ lanes[x][1] ^ lanes[x][2] ^ lanes[x][3] ^ lanes[x][4] for x in range(5)]
        for x in range(5):
            mix = parity[(x - 1) % 5] ^ _rotate(parity[(x + 1) % 5], 1)
            for y in range(5):
                lanes[x][y] ^= mix
        moved = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                moved[y][(2 * x + 3 * y) % 5] = _rotate(lanes[x][y], _ROTATIONS[x][y])
        for x in range(5):
            for y in range(5):
                lanes[x][y] = moved[x][y] ^ (~moved[(x + 1) % 5][y] & moved[(x + 2) % 5][y])
        lanes[0][0] ^= constant


def keccak256(data: bytes) -> bytes:
    padded = bytearray(data) + b"\x01" + bytes(-(len(data) + 1) % _RATE)
    padded[-1] |= 0x80
    lanes = [[0] * 5 for _ in range(5)]
    for start in range(0, len(padded), _RATE):
        block = padded[start : start + _RATE]
        for index in range(_RATE // 8):
            lanes[index % 5][index // 5] ^= int.from_bytes(block[index * 8 : index * 8 + 8], "little")
        _keccak_f(lanes)
    return b"".join(lanes[index % 5][index // 5].to_bytes(8, "little") for index in range(4))


def ens_namehash(name: str) -> bytes:
    """ENSIP-1 namehash of a normalised name."""
    node = bytes(32)
    if name:
        for label in reversed(name.split(".")):
            node = keccak256(node + keccak256(label.encode()))
    return node


def _eth_call(*, rpc_url: str, to: str, data: str, timeout: float) -> bytes:
    payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{"to": to, "data": "0x" + data}, "latest"]}
    request = urllib.request.Request(
        rpc_url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (operator-set URL)
            answer = json.loads(response.read())
    except (OSError, ValueError) as error:
        raise EnsLookupError(f"The Ethereum node did not answer: {error}") from error
    if "error" in answer or not isinstance(answer.get("result"), str):
        raise EnsLookupError(f"The Ethereum node refused the call: {answer.get('error')}")
    return bytes.fromhex(answer["result"].removeprefix("0x"))


def _word(number: int) -> str:
    return number.to_bytes(32, "big").hex()


def ens_text(*, name: str, key: str, rpc_url: str, timeout: float = 5.0) -> str:
    """The ``key`` text record of ``name`` ("" when the name has no resolver or no such record)."""
    node = ens_namehash(name).hex()
    answer = _eth_call(rpc_url=rpc_url, to=REGISTRY, data=RESOLVER_SELECTOR + node, timeout=timeout)
    resolver = answer[12:32]
    if len(answer) < 32 or not any(resolver):
        return ""
    key_bytes = key.encode()
    data = TEXT_SELECTOR + node + _word(64) + _word(len(key_bytes)) + key_bytes.ljust(-(-len(key_bytes) // 32) * 32, b"\0").hex()
    answer = _eth_call(rpc_url=rpc_url, to="0x" + resolver.hex(), data=data, timeout=timeout)
    if len(answer) < 64:
        return ""
    offset = int.from_bytes(answer[:32], "big")
    length = int.from_bytes(answer[offset : offset + 32], "big")
    return answer[offset + 32 : offset + 32 + length].decode("utf-8", "replace")
