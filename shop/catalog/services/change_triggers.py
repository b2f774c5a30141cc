"""The triggers behind the catalog's stamp (``shop.catalog.services.stamp``): every write to a
watched table adds a row to ``catalog_catalogchange``. PostgreSQL: one statement trigger per
table, calling ``soko_catalog_changed()`` (catalog 0007 makes the function); SQLite, which
has only row triggers: one per event. Migrations call these, so what they write must not
change."""

SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")


def _sqlite_name(table: str, event: str) -> str:
    return f"{table}_{event.lower()}_changed"


def _sqlite_create(schema_editor, table: str, event: str) -> None:
    schema_editor.execute(
        f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {event} ON {table} "
        "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
    )


def triggers_create(schema_editor, tables) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
            )
        elif vendor == "sqlite":
            for event in SQLITE_EVENTS:
                _sqlite_create(schema_editor, table, event)


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
