"""The triggers behind the catalog's stamp (``shop.catalog.services.stamp``): every write to a
watched table adds a row to ``catalog_catalogchange``. PostgreSQL: one statement trigger per
table, calling ``soko_catalog_changed()`` (catalog 0007 makes the function); SQLite, which
has only row triggers: one per event. The tables of one listing's rows (``CATEGORY_SCOPED``)
have row triggers that record the listing's category with each change
(``category_triggers_create``); a store's own changes record the store (``STORE_SCOPED``,
``STORE_ROWS``), and a picture's change the categories of what shows it
(``PICTURES_SHOWN_BY``). Migrations call these, so what they write must not change;
``triggers_remake`` and ``category_triggers_create`` make them as they are meant now, an
update of sale counters alone left out."""

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
    PostgreSQL keeps triggers through ``ALTER TABLE``: nothing to do there. A
    ``CATEGORY_SCOPED`` table gets its row triggers again with ``category_triggers_drop``
    and ``category_triggers_create`` instead."""
    if schema_editor.connection.vendor != "sqlite":
        return
    for table in tables:
        for event in SQLITE_EVENTS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_sqlite_name(table, event)}")
            _sqlite_create(schema_editor, table, event)


# Columns a sale writes: a checkout's stock, a cancelled order's units back, a completed
# order's popularity counts. Updates of these alone move no stamp, so a sale does not drop
# every cached page of the catalog. A cached page that shows one of them keys its copy by
# it as well (the product page: ``product_page_key``); a listing's order by popularity
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
    """Make the shared triggers of ``tables`` again as they are meant now: an update of a
    sale counter alone is not a change. A migration that adds a column to a table with sale
    counters makes its triggers again (on PostgreSQL too), so that the new column is
    watched: ``category_triggers_drop`` and ``category_triggers_create`` for a
    ``CATEGORY_SCOPED`` table, this for the others."""
    triggers_drop(schema_editor, tables)
    for table in tables:
        _create(schema_editor, table, _update_of(schema_editor, table))


# Tables whose rows belong to one listing: a change to them is recorded with the listing's
# category (the column named: the row's own category, or the listing whose category it is).
# A product page shows its own listing and others of its category ("More in …"), so it is
# keyed by the changes of its category and the shared ones, those recorded without a
# category: an edit of a listing leaves the pages of every other category kept. A category
# page follows the categories under it; searches, the home page and stores' pages show any
# category and follow every change.
CATEGORY_SCOPED = {
    "catalog_product": "category_id",
    "catalog_variant": "product_id",
    "catalog_productimage": "product_id",
    "catalog_product_tags": "product_id",
}

POSTGRESQL_ROW_FUNCTION = """
CREATE OR REPLACE FUNCTION soko_catalog_row_changed() RETURNS trigger AS $$
DECLARE
    named text := TG_ARGV[0];
    old_category bigint;
    new_category bigint;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        old_category := CASE WHEN named = 'category_id' THEN (to_jsonb(OLD) ->> named)::bigint
            ELSE (SELECT category_id FROM catalog_product WHERE id = (to_jsonb(OLD) ->> named)::bigint) END;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_category := CASE WHEN named = 'category_id' THEN (to_jsonb(NEW) ->> named)::bigint
            ELSE (SELECT category_id FROM catalog_product WHERE id = (to_jsonb(NEW) ->> named)::bigint) END;
        INSERT INTO catalog_catalogchange (category_id) VALUES (new_category);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND old_category IS DISTINCT FROM new_category) THEN
        INSERT INTO catalog_catalogchange (category_id) VALUES (old_category);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def _sqlite_category(row: str, named: str) -> str:
    """The category of the listing ``row`` (NEW or OLD) belongs to; NULL (a shared change)
    when the listing is gone."""
    if named == "category_id":
        return f"{row}.category_id"
    return f"(SELECT category_id FROM catalog_product WHERE id = {row}.{named})"


def category_triggers_create(schema_editor, scoped: dict[str, str]) -> None:
    """Row triggers on the tables of ``scoped`` (table: the column naming the category or
    the listing, as ``CATEGORY_SCOPED``; other apps pass their own) that record each change
    with the category of the listing it belongs to (two rows when an update moves a listing
    to another category; no category when the row names no listing, or the listing is gone).
    Same names as the shared triggers, so ``triggers_drop`` and the tests find them;
    PostgreSQL adds a statement trigger for TRUNCATE."""
    vendor = schema_editor.connection.vendor
    for table, named in scoped.items():
        update = _update_of(schema_editor, table)
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR {update} OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION soko_catalog_row_changed('{named}')"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_truncate_changed AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
            )
        elif vendor == "sqlite":
            new, old = _sqlite_category("NEW", named), _sqlite_category("OLD", named)
            record = "INSERT INTO catalog_catalogchange (category_id)"
            bodies = {
                "INSERT": f"{record} VALUES ({new});",
                "UPDATE": f"{record} VALUES ({new}); {record} SELECT {old} WHERE {old} IS NOT {new};",
                "DELETE": f"{record} VALUES ({old});",
            }
            for event, body in bodies.items():
                schema_editor.execute(
                    f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {update if event == 'UPDATE' else event} ON {table} "
                    f"BEGIN {body} END"
                )


def category_triggers_drop(schema_editor, tables) -> None:
    triggers_drop(schema_editor, tables)
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_truncate_changed ON {table}")


def row_triggers_create(schema_editor, table: str, events: dict[str, str]) -> None:
    """Row triggers on ``table`` that record, for each event of ``events`` (INSERT,
    UPDATE, DELETE), the changes its ``SELECT`` gives, a category and a store a row
    (``{row}`` in it: NEW, or OLD for a delete; neither named is a shared change, no row
    is no change); an event not in ``events`` records nothing. Same names as the shared
    triggers, so ``row_triggers_drop`` drops them and the tests find them; PostgreSQL adds
    a statement trigger for TRUNCATE. SQLite drops a table's triggers when a migration
    rebuilds it: such a migration makes them again with this."""
    record = "INSERT INTO catalog_catalogchange (category_id, store_id) "
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        branches = " ".join(
            f"{'IF' if index == 0 else 'ELSIF'} TG_OP = '{event}' THEN {record}{select.format(row='OLD' if event == 'DELETE' else 'NEW')};"
            for index, (event, select) in enumerate(events.items())
        )
        schema_editor.execute(
            f"CREATE OR REPLACE FUNCTION soko_{table}_changed() RETURNS trigger AS $$ "
            f"BEGIN {branches} END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_changed AFTER {' OR '.join(events)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION soko_{table}_changed()"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {table}_truncate_changed AFTER TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
        )
    elif vendor == "sqlite":
        for event, select in events.items():
            row = "OLD" if event == "DELETE" else "NEW"
            schema_editor.execute(
                f"CREATE TRIGGER {_sqlite_name(table, event)} AFTER {event} ON {table} BEGIN {record}{select.format(row=row)}; END"
            )


def row_events(select: str) -> dict[str, str]:
    """``row_triggers_create``'s events for a row whose change is ``select``: the new row's
    when it is inserted or updated, the old one's too when an update moves it, the old
    one's when it is deleted."""
    return {"INSERT": select, "UPDATE": f"{select} UNION {select.replace('{row}', 'OLD')}", "DELETE": select}


# Tables whose rows belong to one store and show on its own page only (its opening hours,
# the categories it sells in, its blog posts): each change names the store, as a change of
# its ``STORE_SCOPED`` columns does.
STORE_ROWS = ("sellers_storehours", "sellers_store_categories", "blog_post")


def store_rows_triggers_create(schema_editor, tables) -> None:
    """The shared triggers of ``tables`` (``STORE_ROWS``) replaced by row triggers that name
    each row's store."""
    for table in tables:
        row_triggers_drop(schema_editor, table)
        row_triggers_create(schema_editor, table, row_events("SELECT CAST(NULL AS bigint), {row}.store_id"))


def store_rows_triggers_drop(schema_editor, tables) -> None:
    """``store_rows_triggers_create`` undone: ``tables`` have shared triggers again."""
    for table in tables:
        row_triggers_drop(schema_editor, table)
    triggers_create(schema_editor, tables)


def row_triggers_drop(schema_editor, table: str) -> None:
    category_triggers_drop(schema_editor, [table])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP FUNCTION IF EXISTS soko_{table}_changed()")


# Who shows a picture (a row of media_storedimage), by the column that refers to it, and so
# what a change of the picture (prepared, its content IDs or pins written) is: a change of
# the categories of the listings that show it (their own pictures, their reviews' photos;
# the SELECT of those categories and, for a store's review, the store: ``{picture}`` in it
# the picture's id), a shared change where a page of any category may show it
# (SHOWN_EVERYWHERE: a store's logo or cover, a blog post's cover), or no change where no
# kept page shows it (None: a chat message's picture, a return's or a complaint's photo, a
# pin's). A new picture is no change: nothing
# refers to it yet, and the row that comes to refer to it records its own. Nor is a picture
# deleted: the database refuses that while a row refers to it. tests/catalog/
# test_picture_scope.py fails on a column that refers to pictures and is not named here;
# named, a migration makes the trigger again (``row_triggers_drop``, then
# ``row_triggers_create`` with ``picture_change_select``, as catalog 0020).
SHOWN_EVERYWHERE = "everywhere"
PICTURES_SHOWN_BY = {
    "catalog_productimage.image_id": (
        "SELECT product.category_id, CAST(NULL AS bigint) FROM catalog_productimage AS owner "
        "JOIN catalog_product AS product ON product.id = owner.product_id WHERE owner.image_id = {picture}"
    ),
    "reviews_reviewphoto.image_id": (
        "SELECT product.category_id, CASE WHEN review.product_id IS NULL THEN review.store_id END "
        "FROM reviews_reviewphoto AS owner JOIN reviews_review AS review ON review.id = owner.review_id "
        "LEFT JOIN catalog_product AS product ON product.id = review.product_id WHERE owner.image_id = {picture}"
    ),
    "sellers_store.logo_id": SHOWN_EVERYWHERE,
    "sellers_store.cover_id": SHOWN_EVERYWHERE,
    "blog_post.cover_id": SHOWN_EVERYWHERE,
    "chat_message.image_id": None,
    "returns_returnphoto.image_id": None,
    "moderation_complaintphoto.image_id": None,
    "media_renditionpin.image_id": None,
}


def picture_change_select(picture: str) -> str:
    """The changes a change of the picture whose id is ``picture`` (SQL) is recorded as,
    a category and a store a row: one per category or store that shows it, a shared one
    where it is shown everywhere (``PICTURES_SHOWN_BY``)."""
    selects = []
    for column, shown in PICTURES_SHOWN_BY.items():
        table, name = column.split(".")
        if shown == SHOWN_EVERYWHERE:
            selects.append(f"SELECT CAST(NULL AS bigint), CAST(NULL AS bigint) FROM {table} WHERE {name} = {picture}")
        elif shown is not None:
            selects.append(shown.format(picture=picture))
    return " UNION ".join(selects)


# Columns that only one store's pages show (its page, its listings' pages): an update of
# these alone is recorded with the store, so that a store's new rating drops its own pages,
# not every page of the catalog. Its other columns (its name and currency on every card of
# its listings, its logo) stay shared changes.
STORE_SCOPED = {"sellers_store": ("rating_avg", "rating_count")}


def store_triggers_create(schema_editor) -> None:
    """The triggers of ``sellers_store`` as ``STORE_SCOPED`` means them: the shared one
    watches every column but its sale counter and the store's own ones; a row trigger
    records an update of those with the store. A migration that rebuilds the table on
    SQLite, or adds a column to it, makes them again with ``store_triggers_drop`` and this."""
    quote = schema_editor.connection.ops.quote_name
    for table, own in STORE_SCOPED.items():
        shared = [column for column in watched_columns(schema_editor.connection, table) if column not in own]
        _create(schema_editor, table, "UPDATE OF " + ", ".join(quote(column) for column in shared))
        own_columns = ", ".join(quote(column) for column in own)
        record = "INSERT INTO catalog_catalogchange (store_id) VALUES (NEW.id)"
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE OR REPLACE FUNCTION soko_{table}_own_changed() RETURNS trigger AS $$ BEGIN {record}; RETURN NULL; END $$ LANGUAGE plpgsql"
            )
            schema_editor.execute(
                f"CREATE TRIGGER {table}_own_changed AFTER UPDATE OF {own_columns} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION soko_{table}_own_changed()"
            )
        else:
            schema_editor.execute(f"CREATE TRIGGER {table}_own_changed AFTER UPDATE OF {own_columns} ON {table} BEGIN {record}; END")


def store_triggers_drop(schema_editor) -> None:
    triggers_drop(schema_editor, list(STORE_SCOPED))
    for table in STORE_SCOPED:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_own_changed ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS soko_{table}_own_changed()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_own_changed")
