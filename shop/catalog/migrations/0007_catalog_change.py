"""Triggers that record every change to the tables catalog pages read, for the catalog's
stamp (``shop.catalog.services.stamp``). PostgreSQL: one row per statement; SQLite (which has only
row triggers): one per row. A page that starts reading another table adds it here (a test
lists the tables each cached page reads and fails on one that is not watched)."""

from django.db import migrations, models

from shop.catalog.services.change_triggers import triggers_create, triggers_drop

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
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
    triggers_create(schema_editor, WATCHED_TABLES)


def backwards(apps, schema_editor):
    triggers_drop(schema_editor, WATCHED_TABLES)
    if schema_editor.connection.vendor == "postgresql":
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
