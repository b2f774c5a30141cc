"""The ledger's record of a crypto checkout against the escrow's events: they agree when
every move was booked, and each difference is named with the transactions behind it."""

import pytest

from shop.chain.escrow import DEPOSITED, REFUNDED, RELEASED
from shop.chain.reconciliation import LedgerMove, escrow_reconcile
from shop.chain.services.escrow import escrow_refund, escrow_release

from .conftest import buyer_deposits
from .test_escrow import TUSD, new_checkout_id

pytestmark = pytest.mark.django_db


def booked(checkout: str, chain) -> list[LedgerMove]:
    """What the books say for a checkout paid 100, released 60 + 25 to two stores and
    refunded 15: the moves the payments app reads from its postings."""
    return [
        LedgerMove(checkout, DEPOSITED, 100 * TUSD),
        LedgerMove(checkout, RELEASED, 60 * TUSD, chain.store_a),
        LedgerMove(checkout, RELEASED, 25 * TUSD, chain.store_b.lower()),
        LedgerMove(checkout, REFUNDED, 15 * TUSD, chain.buyer),
    ]


@pytest.fixture
def settled(chain):
    checkout = new_checkout_id()
    buyer_deposits(chain, checkout, 100 * TUSD)
    releases = [escrow_release(checkout, chain.store_a, 60 * TUSD), escrow_release(checkout, chain.store_b, 25 * TUSD)]
    refund = escrow_refund(checkout, chain.buyer, 15 * TUSD)
    return checkout, releases, refund


def test_books_that_match_the_chain_show_no_difference(chain, settled):
    checkout, _releases, _refund = settled

    assert escrow_reconcile(ledger=booked(checkout, chain)) == []
    assert escrow_reconcile(ledger=booked(checkout, chain), checkout_ids=[checkout]) == []


def test_a_release_booked_for_less_than_was_paid_is_named_with_its_transaction(chain, settled):
    checkout, releases, _refund = settled
    books = booked(checkout, chain)
    books[1] = LedgerMove(checkout, RELEASED, 50 * TUSD, chain.store_a)

    [difference] = escrow_reconcile(ledger=books)

    assert (difference.checkout_id, difference.kind, difference.address) == (checkout, RELEASED, chain.store_a)
    assert (difference.ledger_minor, difference.chain_minor, difference.missing_minor) == (
        50 * TUSD,
        60 * TUSD,
        10 * TUSD,
    )
    assert difference.tx_hashes == (releases[0].tx_hash,)


def test_a_deposit_the_books_never_saw_and_a_refund_the_chain_never_made(chain, settled):
    checkout, _releases, _refund = settled
    unbooked = new_checkout_id()
    buyer_deposits(chain, unbooked, 7 * TUSD)
    books = [*booked(checkout, chain), LedgerMove(checkout, REFUNDED, 1 * TUSD, chain.stranger)]

    differences = escrow_reconcile(ledger=books)

    found = {(d.checkout_id, d.kind, d.address): (d.ledger_minor, d.chain_minor) for d in differences}
    assert found == {
        (unbooked, DEPOSITED, ""): (0, 7 * TUSD),
        (checkout, REFUNDED, chain.stranger): (1 * TUSD, 0),
    }
    # Limited to the booked checkout, the unbooked deposit is not this reconciliation's.
    assert [d.checkout_id for d in escrow_reconcile(ledger=books, checkout_ids=[checkout])] == [checkout]


def test_the_block_range_limits_what_the_chain_is_said_to_have_moved(chain, settled):
    checkout, releases, refund = settled
    releases_booked = booked(checkout, chain)[1:3]

    assert escrow_reconcile(ledger=booked(checkout, chain)[:3], to_block=refund.block_number - 1) == []
    [difference] = escrow_reconcile(ledger=releases_booked, from_block=releases[0].block_number)
    assert (difference.kind, difference.ledger_minor, difference.chain_minor) == (REFUNDED, 0, 15 * TUSD)
    assert difference.tx_hashes == (refund.tx_hash,)
