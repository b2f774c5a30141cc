"""The database's own guard of the ledger: what is posted stays posted, whatever writes.

``LedgerEntry`` and ``LedgerTransaction`` refuse every UPDATE and DELETE (a correction is a
new, reversing transaction). ``LedgerAccount`` rows are made as postings need them and
then keep their identity: their ``code``, ``currency`` and ``store`` never change (that
would move every posted amount to another owner or currency, and unbalance each
transaction that touched the account), and they are never deleted (posted entries point
at them; an unused one costs nothing). Other columns an account may gain stay writable.
The refusal is an ``IntegrityError`` on both databases.

On PostgreSQL a constraint trigger, deferred to COMMIT, also refuses a ledger transaction
whose entries do not sum to zero per currency (the account's currency): ``ledger.post``
checks this before writing, the database holds every other writer to it. Django's test
cases run deferred checks at their end too (``SET CONSTRAINTS ALL IMMEDIATE``), so a test
that leaves an unbalanced transaction fails on PostgreSQL. SQLite has no deferred
triggers; there, ``ledger.post`` is the check.

Emptying the database (``manage.py flush``, which test cases that commit run after each
test) must still work. PostgreSQL flushes with TRUNCATE, which fires no row trigger (and
is not refused: only the owner of the tables may run it, deliberately). SQLite has no
TRUNCATE: Django flushes with ``DELETE FROM``. There the DELETE triggers let rows go only
while ``soko_flushing()`` says so: a function the project's SQLite backend
(``shop.core.sqlite``) defines on its connections, true only inside Django's flush. Any
other connection (the ``sqlite3`` shell, another program) has no such function, so a
DELETE there fails too. Checking a row in some table instead would let any writer unlock
the ledger with one INSERT.

SQLite drops a table's triggers when a migration rebuilds it (changing or adding most
columns): such a migration on a ledger table calls ``sqlite_triggers_again``. The tests
in ``tests/payments/test_ledger_database.py`` fail if a trigger is missing. Migrations
call these functions, so what they write must not change: a new rule is a new function.
"""

FROZEN_TABLES = ("payments_ledgertransaction", "payments_ledgerentry")
ACCOUNTS = "payments_ledgeraccount"
ACCOUNT_IDENTITY = ("code", "currency", "store_id")

_MESSAGE = "the ledger is append-only"

# PostgreSQL --------------------------------------------------------------------------

_PG_REFUSE = f"""
CREATE OR REPLACE FUNCTION soko_ledger_refuse() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{_MESSAGE}: % of % row % refused', TG_OP, TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'restrict_violation';
END
$$ LANGUAGE plpgsql
"""

_PG_BALANCED = """
CREATE OR REPLACE FUNCTION soko_ledger_balanced() RETURNS trigger AS $$
DECLARE
    unbalanced text;
BEGIN
    SELECT string_agg(sums.currency || ' ' || sums.total, ', ' ORDER BY sums.currency) INTO unbalanced
    FROM (
        SELECT account.currency, sum(entry.amount_minor) AS total
        FROM payments_ledgerentry entry
        JOIN payments_ledgeraccount account ON account.id = entry.account_id
        WHERE entry.transaction_id = NEW.transaction_id
        GROUP BY account.currency
        HAVING sum(entry.amount_minor) <> 0
    ) sums;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % does not balance: %', NEW.transaction_id, unbalanced
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def _postgresql_create(schema_editor) -> None:
    # params=None: the functions' own "%" placeholders are PL/pgSQL's, not the driver's.
    schema_editor.execute(_PG_REFUSE, params=None)
    schema_editor.execute(_PG_BALANCED, params=None)
    for table in FROZEN_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION soko_ledger_refuse()"
        )
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in ACCOUNT_IDENTITY)
    schema_editor.execute(
        f"CREATE TRIGGER {ACCOUNTS}_identity BEFORE UPDATE OF {', '.join(ACCOUNT_IDENTITY)} ON {ACCOUNTS} "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION soko_ledger_refuse()"
    )
    schema_editor.execute(
        f"CREATE TRIGGER {ACCOUNTS}_kept BEFORE DELETE ON {ACCOUNTS} FOR EACH ROW EXECUTE FUNCTION soko_ledger_refuse()"
    )
    schema_editor.execute(
        "CREATE CONSTRAINT TRIGGER payments_ledgerentry_balanced AFTER INSERT ON payments_ledgerentry "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION soko_ledger_balanced()"
    )


def _postgresql_drop(schema_editor) -> None:
    schema_editor.execute("DROP TRIGGER IF EXISTS payments_ledgerentry_balanced ON payments_ledgerentry")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {ACCOUNTS}_kept ON {ACCOUNTS}")
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {ACCOUNTS}_identity ON {ACCOUNTS}")
    for table in FROZEN_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS soko_ledger_balanced()")
    schema_editor.execute("DROP FUNCTION IF EXISTS soko_ledger_refuse()")


# SQLite ------------------------------------------------------------------------------


def _sqlite_statements(table: str) -> dict[str, str]:
    """Trigger name -> CREATE statement, for one ledger table."""
    refuse = "BEGIN SELECT RAISE(ABORT, '{message}'); END"
    if table == ACCOUNTS:
        changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ACCOUNT_IDENTITY)
        return {
            f"{table}_identity": f"CREATE TRIGGER {table}_identity BEFORE UPDATE OF {', '.join(ACCOUNT_IDENTITY)} "
            f"ON {table} WHEN {changed} "
            + refuse.format(message=f"{_MESSAGE}: an account keeps its code, currency and store"),
            f"{table}_kept": f"CREATE TRIGGER {table}_kept BEFORE DELETE ON {table} WHEN NOT soko_flushing() "
            + refuse.format(message=f"{_MESSAGE}: DELETE of {table} refused"),
        }
    return {
        f"{table}_no_update": f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        + refuse.format(message=f"{_MESSAGE}: UPDATE of {table} refused"),
        f"{table}_no_delete": f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} WHEN NOT soko_flushing() "
        + refuse.format(message=f"{_MESSAGE}: DELETE of {table} refused"),
    }


def _sqlite_create(schema_editor, tables) -> None:
    for table in tables:
        for statement in _sqlite_statements(table).values():
            schema_editor.execute(statement)


def _sqlite_drop(schema_editor, tables) -> None:
    for table in tables:
        for name in _sqlite_statements(table):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


# What migrations call ----------------------------------------------------------------

LEDGER_TABLES = (*FROZEN_TABLES, ACCOUNTS)


def ledger_triggers_create(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgresql_create(schema_editor)
    elif vendor == "sqlite":
        _sqlite_create(schema_editor, LEDGER_TABLES)


def ledger_triggers_drop(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _postgresql_drop(schema_editor)
    elif vendor == "sqlite":
        _sqlite_drop(schema_editor, LEDGER_TABLES)


def sqlite_triggers_again(schema_editor, tables) -> None:
    """SQLite rebuilds a table to change most columns, which drops its triggers: a
    migration that does so on a ledger table makes them again with this. PostgreSQL keeps
    triggers through ``ALTER TABLE``: nothing to do there."""
    if schema_editor.connection.vendor != "sqlite":
        return
    _sqlite_drop(schema_editor, tables)
    _sqlite_create(schema_editor, tables)
