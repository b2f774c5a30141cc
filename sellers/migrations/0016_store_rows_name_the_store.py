"""A store's opening hours and the categories it sells in show on its own page only: each
change names the store (catalog 0020's ``STORE_ROWS``), so it drops that store's pages, not
every kept page."""

from django.db import migrations

from shop.catalog.services.change_triggers import row_triggers_drop, store_rows_triggers_create, triggers_create

TABLES = ["sellers_storehours", "sellers_store_categories"]


def forwards(apps, schema_editor):
    for table in TABLES:
        row_triggers_drop(schema_editor, table)
    store_rows_triggers_create(schema_editor, TABLES)


def backwards(apps, schema_editor):
    for table in TABLES:
        row_triggers_drop(schema_editor, table)
    triggers_create(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0015_store_page_change_triggers"),
        ("catalog", "0020_pictures_and_stores_scope_their_changes"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
