"""A store's opening hours and the categories it sells in show on its own page only: each
change names the store (catalog 0020's ``STORE_ROWS``), so it drops that store's pages, not
every kept page."""

from django.db import migrations

from shop.catalog.services.change_triggers import store_rows_triggers_create, store_rows_triggers_drop

TABLES = ["sellers_storehours", "sellers_store_categories"]


class Migration(migrations.Migration):
    dependencies = [
        ("sellers", "0015_store_page_change_triggers"),
        ("catalog", "0020_pictures_and_stores_scope_their_changes"),
    ]
    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: store_rows_triggers_create(schema_editor, TABLES),
            lambda apps, schema_editor: store_rows_triggers_drop(schema_editor, TABLES),
        )
    ]
