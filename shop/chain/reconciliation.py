"""The ledger against the escrow's events: what Soko's books say went into and out of the
escrow for its crypto-paid checkouts, compared with what the contract says moved.

The ledger's side comes as ``LedgerMove`` values: the payments app reads them from its
postings for crypto checkouts (the buyer's payment into the escrow, each store's release,
each refund), in the token's minor units. Deposits are compared per checkout (a buyer may
pay from any wallet); releases and refunds per checkout and payee. Each difference names
the events (transaction hashes) the chain has for it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from .escrow import DEPOSITED, EVENT_KINDS, checkout_id_hex, escrow_events
from .node import address_checksum

KINDS = set(EVENT_KINDS.values())


@dataclass(frozen=True)
class LedgerMove:
    """What the ledger posted for one move through the escrow. ``kind`` is ``deposited``,
    ``released`` or ``refunded``; ``address`` is the payee (ignored for a deposit)."""

    checkout_id: str
    kind: str
    amount_minor: int
    address: str = ""


@dataclass(frozen=True)
class EscrowDifference:
    checkout_id: str
    kind: str
    address: str
    ledger_minor: int
    chain_minor: int
    tx_hashes: tuple[str, ...]

    @property
    def missing_minor(self) -> int:
        """What the chain moved beyond the ledger (negative: the ledger has more)."""
        return self.chain_minor - self.ledger_minor


def _group(checkout_id: str, kind: str, address: str) -> tuple[str, str, str]:
    if kind not in KINDS:
        raise ValueError(f"{kind!r} is not an escrow move ({', '.join(sorted(KINDS))}).")
    return (checkout_id_hex(checkout_id), kind, "" if kind == DEPOSITED else address_checksum(address))


def escrow_reconcile(
    *,
    ledger: Iterable[LedgerMove],
    from_block: int = 0,
    to_block: int | str = "latest",
    checkout_ids: Iterable[str] | None = None,
) -> list[EscrowDifference]:
    """The differences between ``ledger`` and the escrow's events in blocks ``from_block``
    to ``to_block``, limited to ``checkout_ids`` when given (else every checkout either side
    names). An empty list: they agree."""
    wanted = {checkout_id_hex(value) for value in checkout_ids} if checkout_ids is not None else None
    books: dict[tuple, int] = defaultdict(int)
    for move in ledger:
        group = _group(move.checkout_id, move.kind, move.address)
        if wanted is None or group[0] in wanted:
            books[group] += int(move.amount_minor)
    chain: dict[tuple, int] = defaultdict(int)
    hashes: dict[tuple, list[str]] = defaultdict(list)
    for event in escrow_events(from_block=from_block, to_block=to_block):
        group = _group(event.checkout_id, event.kind, event.address)
        if wanted is None or group[0] in wanted:
            chain[group] += event.amount_minor
            hashes[group].append(event.tx_hash)
    return [
        EscrowDifference(
            checkout_id=group[0],
            kind=group[1],
            address=group[2],
            ledger_minor=books.get(group, 0),
            chain_minor=chain.get(group, 0),
            tx_hashes=tuple(hashes.get(group, ())),
        )
        for group in sorted(set(books) | set(chain))
        if books.get(group, 0) != chain.get(group, 0)
    ]
