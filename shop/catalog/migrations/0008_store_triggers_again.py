"""SQLite adds a column with a default by rebuilding the table, which drops its triggers:
sellers 0009 rebuilt ``sellers_store``, so its change triggers (catalog 0007) are made
again. PostgreSQL keeps triggers through ``ALTER TABLE``: nothing to do there. A later
migration that rebuilds a watched table on SQLite needs the same step."""

from django.db import migrations

from shop.catalog.services.change_triggers import sqlite_triggers_again


def forwards(apps, schema_editor):
    sqlite_triggers_again(schema_editor, ["sellers_store"])


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0007_catalog_change"),
        ("sellers", "0009_store_courier_fee_payer"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
