"""Triggers that record every change to the tables catalog pages read, for the catalog's
stamp (``shop.catalog.stamp``). PostgreSQL: one row per statement; SQLite (which has only
row triggers): one per row. A page that starts reading another table adds it here (a test
lists the tables each cached page reads and fails on one that is not watched)."""

from django.db import migrations, models

WATCHED_TABLES = [
    "catalog_category",
    "catalog_product",
    "catalog_product_tags",
    "catalog_productimage",
    "catalog_tag",
    "catalog_variant",
    "core_currencyrate",
    "geo_area",
    "media_storedimage",
    "sellers_store",
]

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION soko_catalog_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO catalog_catalogchange DEFAULT VALUES;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
    for table in WATCHED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION soko_catalog_changed()"
            )
        elif vendor == "sqlite":
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_{event.lower()}_changed AFTER {event} ON {table} "
                    "BEGIN INSERT INTO catalog_catalogchange (id) VALUES (NULL); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in WATCHED_TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_changed ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_changed")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS soko_catalog_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_stored_search_document"),
        ("core", "0002_translatable_labels"),
        ("geo", "0003_translatable_labels"),
        ("media", "0002_translatable_labels"),
        ("sellers", "0008_translatable_labels"),
    ]
    operations = [
        migrations.CreateModel(
            name="CatalogChange",
            fields=[("id", models.BigAutoField(primary_key=True, serialize=False))],
            options={"verbose_name": "catalog change", "verbose_name_plural": "catalog changes"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
