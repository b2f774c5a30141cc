"""The ledger is append-only in the database itself, not only in the models' ``save()``:
whoever writes to it (raw SQL, ``QuerySet.update()``, ``QuerySet.delete()``), a posted
amount cannot be changed or removed, on SQLite and on PostgreSQL. On PostgreSQL a ledger
transaction whose entries do not sum to zero per currency cannot be committed. Emptying
the database (``flush``, as test cases that commit do after each test) still works."""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from shop.payments.ledger import accounts
from shop.payments.ledger import services as ledger
from shop.payments.ledger.services import Line
from shop.payments.models import LedgerAccount, LedgerEntry, LedgerTransaction
from tests.factories import StoreFactory

REFUSED = IntegrityError


@pytest.fixture
def store():
    return StoreFactory()


def _post_capture(store, key="capture:test:1"):
    """A buyer's KES 650.00 reached Stripe: the store's share held, Soko's fee earned."""
    return ledger.post(
        kind=LedgerTransaction.Kind.CAPTURE,
        key=key,
        lines=[
            Line("provider:stripe", "KES", 65_000),
            Line(accounts.store_held(store.pk), "KES", -63_375),
            Line(accounts.FEES, "KES", -1_625),
        ],
    )


def _refused(sql, params=()):
    """Run ``sql``; the database must refuse it as append-only (the test goes on after)."""
    with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _amounts(posted):
    return sorted(LedgerEntry.objects.filter(transaction=posted).values_list("amount_minor", flat=True))


AMOUNTS = [-63_375, -1_625, 65_000]


@pytest.mark.django_db
class TestAPostedTransactionStaysAsPosted:
    def test_raw_sql_cannot_change_an_entry_amount(self, store):
        posted = _post_capture(store)
        entry = posted.entries.get(amount_minor=65_000)

        _refused("UPDATE payments_ledgerentry SET amount_minor = %s WHERE id = %s", [1, entry.pk])
        _refused("UPDATE payments_ledgerentry SET account_id = account_id")

        assert _amounts(posted) == AMOUNTS

    def test_raw_sql_cannot_delete_an_entry_or_a_transaction(self, store):
        posted = _post_capture(store)
        empty = ledger.post(kind=LedgerTransaction.Kind.ADJUSTMENT, key="adjustment:test:empty", lines=[])

        _refused("DELETE FROM payments_ledgerentry WHERE transaction_id = %s", [posted.pk])
        _refused("DELETE FROM payments_ledgertransaction WHERE id = %s", [empty.pk])
        _refused("UPDATE payments_ledgertransaction SET memo = %s WHERE id = %s", ["rewritten", posted.pk])

        assert _amounts(posted) == AMOUNTS
        assert LedgerTransaction.objects.filter(pk__in=[posted.pk, empty.pk]).count() == 2

    def test_querysets_cannot_update_or_delete_entries(self, store):
        posted = _post_capture(store)

        with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
            LedgerEntry.objects.filter(transaction=posted, amount_minor=65_000).update(amount_minor=70_000)
        with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
            LedgerEntry.objects.filter(transaction=posted).delete()
        with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
            LedgerTransaction.objects.filter(pk=posted.pk).update(kind=LedgerTransaction.Kind.ADJUSTMENT)

        assert _amounts(posted) == AMOUNTS
        assert LedgerTransaction.objects.get(pk=posted.pk).kind == LedgerTransaction.Kind.CAPTURE

    def test_an_account_keeps_its_code_currency_and_store(self, store):
        _post_capture(store)
        held = accounts.store_held(store.pk)
        account = LedgerAccount.objects.get(code=held)

        _refused(
            "UPDATE payments_ledgeraccount SET code = %s WHERE id = %s", [accounts.store_payable(store.pk), account.pk]
        )
        _refused("UPDATE payments_ledgeraccount SET currency = %s WHERE id = %s", ["USD", account.pk])
        with pytest.raises(REFUSED, match="append-only"), transaction.atomic():
            LedgerAccount.objects.filter(pk=account.pk).update(store=None)
        _refused("DELETE FROM payments_ledgeraccount WHERE id = %s", [account.pk])

        account.save()  # written back unchanged: nothing to refuse
        assert LedgerAccount.objects.filter(pk=account.pk, code=held, currency="KES", store=store).exists()
        assert ledger.balance(held, "KES") == -63_375


@pytest.mark.django_db(transaction=True)
def test_a_flush_still_empties_the_ledger_and_locks_it_again(store):
    _post_capture(store)

    call_command("flush", interactive=False, verbosity=0)

    assert not LedgerEntry.objects.exists() and not LedgerTransaction.objects.exists()
    assert not LedgerAccount.objects.exists()
    posted = _post_capture(StoreFactory(), key="capture:test:after-flush")
    _refused("DELETE FROM payments_ledgerentry WHERE transaction_id = %s", [posted.pk])
    assert _amounts(posted) == AMOUNTS


def _write_unbalanced(key, lines):
    """What a writer that skips ``ledger.post`` (and its balance check) could do."""
    posted = LedgerTransaction.objects.create(kind=LedgerTransaction.Kind.ADJUSTMENT, key=key)
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=posted,
            account=LedgerAccount.objects.get_or_create(code=code, currency=currency)[0],
            amount_minor=amount,
        )
        for code, currency, amount in lines
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "lines",
    [
        [("provider:stripe", "KES", 65_000), ("platform:fees", "KES", -60_000)],
        # Zero in total, but KES 650.00 in and USD 650.00 out are not a balance.
        [("provider:stripe", "KES", 65_000), ("platform:fees", "USD", -65_000)],
    ],
    ids=["short by 5000", "balanced only across currencies"],
)
def test_postgresql_refuses_to_commit_a_transaction_that_does_not_balance(lines):
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        _write_unbalanced("adjustment:test:unbalanced", lines)

    assert not LedgerTransaction.objects.exists() and not LedgerEntry.objects.exists()

    # The check is deferred to COMMIT: a transaction's entries are written one by one.
    with transaction.atomic():
        _write_unbalanced(
            "adjustment:test:balanced", [("provider:stripe", "KES", 65_000), ("platform:fees", "KES", -65_000)]
        )
    assert LedgerEntry.objects.filter(transaction__key="adjustment:test:balanced").count() == 2
