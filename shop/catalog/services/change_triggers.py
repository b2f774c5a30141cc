"""The triggers behind the catalog's stamp (``shop.catalog.services.stamp``): every write to a
watched table adds a row to ``catalog_catalogchange``. PostgreSQL: one statement trigger per
table, calling ``soko_catalog_changed()`` (catalog 0007 makes the function); SQLite, which
has only row triggers: one per event. Migrations call these, so what they write must not
change; ``triggers_remake`` makes them as they are meant now, an update of sale counters
alone left out."""

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_name(table: str, event: str) -> str:
    return f"{table}_{event.lower()}_changed"


def _sqlite_create(schema_editor, table: str, event: str, update: str = "UPDATE") -> None:
    schema_editor.execute(
        f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {update if event == 'UPDATE' else event} ON {table} "
        "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
    )


def _create(schema_editor, table: str, update: str = "UPDATE") -> None:
    """``update``: the update part of the trigger's events (``UPDATE OF a, b`` or any update)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {table}_changed AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
        )
    elif vendor == "sqlite":
        for event in SQLITE_EVENTS:
            _sqlite_create(schema_editor, table, event, update)


def triggers_create(schema_editor, tables) -> None:
    for table in tables:
        _create(schema_editor, table)


def triggers_drop(schema_editor, tables) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")


def sqlite_triggers_again(schema_editor, tables) -> None:
    """SQLite adds a column with a default by rebuilding the table, which drops its
    triggers: a migration that does so on a watched table makes them again with this.
    PostgreSQL keeps triggers through ``ALTER TABLE``: nothing to do there."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in tables:
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")
            _sqlite_create(schema_editor, table, event)


# Columns a sale writes: a checkout's stock, a cancelled order's units back, a completed
# order's popularity counts. Updates of these alone move no stamp, so a sale does not drop
# every cached page of the catalog. A cached page that shows one of them keys its copy by
# it as well (the product page: ``catalog_stamp_and_sale_counts``); a listing's order by popularity
# follows sales once its copy expires, or at the next change the triggers see.
SALE_COUNTERS = {
    "catalog_product": ("orders_count",),
    "catalog_variant": ("stock",),
    "sellers_store": ("orders_count",),
}


def watched_columns(connection, table: str) -> list[str]:
    """The columns of ``table`` whose update moves the stamp: all but its sale counters."""
    with connection.cursor() as cursor:
        columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
    return [column for column in columns if column not in SALE_COUNTERS.get(table, ())]


def _update_of(schema_editor, table: str) -> str:
    if table not in SALE_COUNTERS:
        return "UPDATE"
    quote = schema_editor.connection.ops.quote_name
    return "UPDATE OF " + ", ".join(quote(column) for column in watched_columns(schema_editor.connection, table))


def triggers_remake(schema_editor, tables) -> None:
    """Make the triggers of ``tables`` again as they are meant now: an update of a sale
    counter alone is not a change. A migration that adds a column to a table with sale
    counters calls this (on PostgreSQL too), so that the new column is watched."""
    triggers_drop(schema_editor, tables)
    for table in tables:
        _create(schema_editor, table, _update_of(schema_editor, table))
